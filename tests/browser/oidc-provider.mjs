// A small but real OpenID Connect provider for Helseportal's tests, built on the
// npm package `oidc-provider`. It stands in for ID-porten: authorization code flow
// with PKCE (S256) required, confidential clients, RS256 id_tokens that carry the
// national identity number (`pid`) and the level of assurance (`acr`).
//
// It has its own login page (no development interactions): a "Personnummer" field,
// a "Sikkerhetsnivå" select and the button "Logg inn hos testleverandøren". Consent
// is granted automatically.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

export const LOA_HIGH = 'idporten-loa-high';
export const LOA_SUBSTANTIAL = 'idporten-loa-substantial';
export const ACR_VALUES = [LOA_HIGH, LOA_SUBSTANTIAL];

// oidc-provider prints notices meant for production deployments (and, on Node 20,
// that Node 22 is preferred). They are noise in a test run: drop only those lines,
// only while the module is loaded and a provider is built.
async function quietly(fn) {
  const { warn, info } = console;
  const filter = (original) => (...args) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
    original.apply(console, args);
  };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

let providerModule;
async function loadProvider() {
  providerModule ??= await quietly(() => import('oidc-provider'));
  return providerModule.default;
}

// In-memory storage for the provider's models, one store per provider instance.
function memoryAdapter() {
  const store = new Map();
  const expired = (entry) => entry.expiresAt !== undefined && entry.expiresAt <= Date.now();
  const get = (key) => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (expired(entry)) {
      store.delete(key);
      return undefined;
    }
    return entry.value;
  };
  const set = (key, value, expiresIn) => {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
    store.set(key, { value, expiresAt });
  };

  return class MemoryAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      set(this.key(id), payload, expiresIn);
      if (payload.uid && this.model === 'Session') set(`sessionUid:${payload.uid}`, id, expiresIn);
      if (payload.userCode) set(`userCode:${payload.userCode}`, id, expiresIn);
      if (payload.grantId) {
        const members = get(`grant:${payload.grantId}`) ?? new Set();
        members.add(this.key(id));
        set(`grant:${payload.grantId}`, members);
      }
    }

    async find(id) {
      return get(this.key(id));
    }

    async findByUid(uid) {
      const id = get(`sessionUid:${uid}`);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode) {
      const id = get(`userCode:${userCode}`);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id) {
      const payload = get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id) {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId) {
      for (const key of get(`grant:${grantId}`) ?? []) store.delete(key);
      store.delete(`grant:${grantId}`);
    }
  };
}

function signingKeys() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: `test-${randomUUID()}`, alg: 'RS256', use: 'sig' }] };
}

const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
})[c]);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; color: #1e2b3c; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input, select, button { font-size: 1rem; padding: 0.5rem; margin-top: 0.25rem; min-height: 2.75rem; }
button { margin-top: 1.5rem; background: #0062ba; color: #fff; border: 0; border-radius: 4px; padding: 0.5rem 1rem; }
.error { color: #b3261e; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function loginPage({ uid, clientId, error, pid = '', acr = LOA_HIGH }) {
  const options = ACR_VALUES.map((value) => `<option value="${value}"${value === acr ? ' selected' : ''}>${value}</option>`).join('');
  return page('Testleverandør – innlogging', `<h1>Testleverandør for innlogging</h1>
<p>Innlogging for ${escapeHtml(clientId)}.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="pid">Personnummer</label>
<input id="pid" name="pid" type="text" inputmode="numeric" autocomplete="off" value="${escapeHtml(pid)}" required>
<label for="acr">Sikkerhetsnivå</label>
<select id="acr" name="acr">${options}</select>
<div><button type="submit">Logg inn hos testleverandøren</button></div>
</form>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

// Grants everything the client asked for: the requested scopes, and any claims
// asked for through the `claims` parameter, plus `pid`.
async function autoGrant(provider, details, accountId) {
  const { params, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope ?? 'openid'));
  const claims = new Set(['sub', 'pid', 'acr']);
  if (params.claims) {
    try {
      const requested = JSON.parse(params.claims);
      for (const part of [requested.id_token, requested.userinfo]) {
        for (const name of Object.keys(part ?? {})) claims.add(name);
      }
    } catch {
      // malformed claims parameter: the provider itself rejects it
    }
  }
  grant.addOIDCClaims([...claims]);
  return grant.save();
}

/**
 * Starts the test provider.
 *
 * @param {object} options
 * @param {number} [options.port] port on 127.0.0.1 (0 or absent: any free port)
 * @param {Array<{client_id: string, client_secret: string, redirect_uris: string[],
 *   post_logout_redirect_uris?: string[]}>} options.clients confidential clients
 * @returns {Promise<{ issuer: string, port: number, provider: object, stop(): Promise<void> }>}
 */
export async function startOidcProvider({ port = 0, clients = [] } = {}) {
  const Provider = await loadProvider();

  let provider;
  const handle = async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) {
      provider.callback()(req, res);
      return;
    }
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== match[1]) {
      send(res, 400, page('Feil', '<h1>Ukjent innlogging</h1>'));
      return;
    }
    const { prompt, params } = details;

    if (prompt.name === 'consent') {
      const grantId = await autoGrant(provider, details, details.session.accountId);
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }

    if (req.method === 'GET' && !match[2]) {
      send(res, 200, loginPage({ uid: details.uid, clientId: params.client_id }));
      return;
    }

    if (req.method === 'POST' && match[2]) {
      const form = await readForm(req);
      const pid = (form.get('pid') ?? '').trim();
      const acr = form.get('acr') ?? LOA_HIGH;
      if (!/^\d{11}$/.test(pid) || !ACR_VALUES.includes(acr)) {
        send(res, 400, loginPage({
          uid: details.uid,
          clientId: params.client_id,
          error: 'Personnummer må være 11 siffer.',
          pid,
          acr: ACR_VALUES.includes(acr) ? acr : LOA_HIGH,
        }));
        return;
      }
      const grantId = await autoGrant(provider, details, pid);
      await provider.interactionFinished(req, res, {
        login: { accountId: pid, acr, amr: ['TestID'], remember: false },
        consent: { grantId },
      }, { mergeWithLastSubmission: false });
      return;
    }

    res.writeHead(405).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) {
        send(res, 500, page('Feil', `<h1>Feil hos testleverandøren</h1><pre>${escapeHtml(error.message)}</pre>`));
      } else {
        res.destroy(error);
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = server.address().port;
  const issuer = `http://127.0.0.1:${actualPort}`;

  provider = await quietly(() => new Provider(issuer, {
    adapter: memoryAdapter(),
    jwks: signingKeys(),
    clients: clients.map((client) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      ...client,
    })),
    // client_secret_basic and client_secret_post are accepted interchangeably
    // for a client registered with either of them.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    pkce: { required: () => true },
    acrValues: ACR_VALUES,
    // `acr`, `amr` and `auth_time` on their own would only reach the id_token when
    // the client asks for them (acr_values, max_age or the claims parameter);
    // ID-porten always sends them, so they ride on the openid scope with `pid`.
    claims: {
      sid: null,
      iss: null,
      openid: ['sub', 'pid', 'acr', 'amr', 'auth_time'],
    },
    // Put the scope's claims in the id_token even though an access token is
    // issued as well, as ID-porten does.
    conformIdTokenClaims: false,
    async findAccount(ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, pid: sub };
        },
      };
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
    },
    interactions: {
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    cookies: {
      keys: ['helseportal-test-cookie-key-1', 'helseportal-test-cookie-key-2'],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Feil', `<h1>Feil hos testleverandøren</h1>${Object.entries(out)
        .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`).join('')}`);
    },
  }));

  return {
    issuer,
    port: actualPort,
    provider,
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
