// Self-test of the test OpenID Connect provider, without the portal: a full
// authorization code + PKCE flow with plain fetch, following redirects by hand.

import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { after, before, test } from 'node:test';

import { LOA_HIGH, LOA_SUBSTANTIAL, startOidcProvider } from './oidc-provider.mjs';

const CLIENT = {
  client_id: 'helseportal-test',
  client_secret: 'helseportal-test-secret-0123456789abcdef',
  redirect_uris: ['http://127.0.0.1:1/auth/callback'],
};

let op;
let discovery;

before(async () => {
  op = await startOidcProvider({ clients: [CLIENT] });
  const response = await fetch(`${op.issuer}/.well-known/openid-configuration`);
  assert.equal(response.status, 200);
  discovery = await response.json();
});

after(async () => {
  await op?.stop();
});

const b64url = (buffer) => Buffer.from(buffer).toString('base64url');
const decodePart = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expires = attributes.map((a) => a.trim()).find((a) => /^expires=/i.test(a));
      const gone = value === '' || (expires && new Date(expires.slice(8)) < new Date());
      if (gone) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

async function request(jar, url, init = {}) {
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...init.headers, cookie: jar.header() },
  });
  jar.store(response);
  return response;
}

// Runs the browser part of the flow: authorization request, login form, back to
// the client's redirect_uri. Returns the final redirect URL.
async function authorize({
  pid, acr, pkce = true, state = b64url(randomBytes(12)), nonce, extra = {},
}) {
  const jar = new CookieJar();
  const verifier = b64url(randomBytes(32));
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authUrl = new URL(discovery.authorization_endpoint);
  authUrl.search = new URLSearchParams({
    client_id: CLIENT.client_id,
    redirect_uri: CLIENT.redirect_uris[0],
    response_type: 'code',
    scope: 'openid',
    state,
    ...(nonce ? { nonce } : {}),
    ...extra,
    ...(pkce ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
  }).toString();

  let url = authUrl.href;
  let response = await request(jar, url);
  for (let hops = 0; hops < 10; hops += 1) {
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location'), url).href;
      if (url.startsWith(CLIENT.redirect_uris[0])) {
        return { redirect: new URL(url), verifier, state };
      }
      response = await request(jar, url);
      continue;
    }
    assert.equal(response.status, 200, `unexpected ${response.status} at ${url}`);
    const html = await response.text();
    assert.match(html, /<label for="pid">Personnummer<\/label>/);
    assert.match(html, /<label for="acr">Sikkerhetsnivå<\/label>/);
    assert.match(html, /Logg inn hos testleverandøren/);
    assert.match(html, /<option value="idporten-loa-high" selected>/);
    const action = html.match(/<form method="post" action="([^"]+)"/)[1];
    url = new URL(action, url).href;
    response = await request(jar, url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ pid, acr }).toString(),
    });
  }
  throw new Error('too many redirects');
}

async function exchange(code, verifier, method = 'client_secret_basic') {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: CLIENT.redirect_uris[0],
    code_verifier: verifier,
  });
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (method === 'client_secret_basic') {
    const credentials = `${encodeURIComponent(CLIENT.client_id)}:${encodeURIComponent(CLIENT.client_secret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  } else {
    body.set('client_id', CLIENT.client_id);
    body.set('client_secret', CLIENT.client_secret);
  }
  const response = await fetch(discovery.token_endpoint, { method: 'POST', headers, body });
  return { status: response.status, json: await response.json() };
}

async function checkIdToken(idToken) {
  const [h, p, s] = idToken.split('.');
  const header = decodePart(h);
  const payload = decodePart(p);
  assert.equal(header.alg, 'RS256');
  const jwks = await (await fetch(discovery.jwks_uri)).json();
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is in the JWKS`);
  const valid = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  assert.ok(valid, 'id_token signature verifies with the JWKS key');
  assert.equal(payload.iss, op.issuer);
  assert.equal(payload.aud, CLIENT.client_id);
  return { header, payload };
}

test('discovery document describes the provider', () => {
  assert.equal(discovery.issuer, op.issuer);
  assert.match(op.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
  assert.ok(discovery.id_token_signing_alg_values_supported.includes('RS256'));
  assert.ok(discovery.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
  assert.ok(discovery.token_endpoint_auth_methods_supported.includes('client_secret_post'));
  assert.ok(discovery.acr_values_supported.includes(LOA_HIGH));
  assert.ok(discovery.acr_values_supported.includes(LOA_SUBSTANTIAL));
  assert.ok(discovery.claims_supported.includes('pid'));
});

test('code + PKCE flow with client_secret_basic yields an id_token with pid and acr (high)', async () => {
  const pid = '01017012345';
  const nonce = b64url(randomBytes(12));
  const { redirect, verifier, state } = await authorize({ pid, acr: LOA_HIGH, nonce });
  assert.equal(redirect.searchParams.get('state'), state);
  assert.equal(redirect.searchParams.get('iss'), op.issuer);
  const code = redirect.searchParams.get('code');
  assert.ok(code, `code in ${redirect}`);

  const { status, json } = await exchange(code, verifier, 'client_secret_basic');
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.token_type, 'Bearer');
  const { payload } = await checkIdToken(json.id_token);
  assert.equal(payload.pid, pid);
  assert.equal(payload.sub, pid);
  assert.equal(payload.acr, LOA_HIGH);
  assert.equal(payload.nonce, nonce);
  assert.deepEqual(payload.amr, ['TestID']);

  const userinfo = await fetch(discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${json.access_token}` },
  });
  assert.equal(userinfo.status, 200);
  assert.equal((await userinfo.json()).pid, pid);
});

test('code + PKCE flow with client_secret_post and substantial level', async () => {
  const pid = '31129956715';
  const { redirect, verifier } = await authorize({
    pid,
    acr: LOA_SUBSTANTIAL,
    extra: { acr_values: `${LOA_SUBSTANTIAL} ${LOA_HIGH}`, prompt: 'login', ui_locales: 'nb' },
  });
  const { status, json } = await exchange(redirect.searchParams.get('code'), verifier, 'client_secret_post');
  assert.equal(status, 200, JSON.stringify(json));
  const { payload } = await checkIdToken(json.id_token);
  assert.equal(payload.pid, pid);
  assert.equal(payload.acr, LOA_SUBSTANTIAL);
});

test('PKCE is required', async () => {
  const { redirect } = await authorize({ pid: '01017012345', acr: LOA_HIGH, pkce: false });
  assert.equal(redirect.searchParams.get('error'), 'invalid_request');
  assert.match(redirect.searchParams.get('error_description'), /PKCE/);
});

test('a wrong code_verifier or client secret is refused', async () => {
  const { redirect, verifier } = await authorize({ pid: '01017012345', acr: LOA_HIGH });
  const code = redirect.searchParams.get('code');
  const wrongVerifier = await exchange(code, `${verifier}x`);
  assert.equal(wrongVerifier.status, 400);
  assert.equal(wrongVerifier.json.error, 'invalid_grant');

  const again = await authorize({ pid: '01017012345', acr: LOA_HIGH });
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: again.redirect.searchParams.get('code'),
      redirect_uri: CLIENT.redirect_uris[0],
      code_verifier: again.verifier,
      client_id: CLIENT.client_id,
      client_secret: 'wrong',
    }),
  });
  assert.equal(response.status, 401);
  assert.equal((await response.json()).error, 'invalid_client');
});
