//! The portal's routes as they are registered: the axum router, and beside it the list of
//! every path with its methods ([`RouteList`]). Tests walk that list rather than naming routes
//! by hand, so a route added later is covered by them without anyone remembering to.

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};
use axum::{Extension, Router};

use domain::ConsentLevel;

use crate::AppState;

/// The consent a route needs of a citizen. The route puts it in the request's extensions, and
/// the citizen extractors (`session.rs`) refuse a citizen below it before the handler runs, so
/// no handler can forget it; the tests read it from the [`RouteList`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredConsent(pub ConsentLevel);

/// One path and the methods it answers (a GET route answers HEAD too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// As registered, with parameters in braces: `/innboks/{thread}`.
    pub path: &'static str,
    pub methods: Vec<Method>,
    /// The consent a citizen needs for it, when it needs more than a login.
    pub consent: Option<ConsentLevel>,
}

impl RouteInfo {
    pub fn allows(&self, method: &Method) -> bool {
        self.methods.contains(method) || (*method == Method::HEAD && self.allows(&Method::GET))
    }

    /// The names of the path's parameters, in order (`thread` for `/innboks/{thread}`).
    pub fn parameters(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .collect()
    }

    /// The path with each parameter replaced by `value(name)`.
    pub fn with_parameters(&self, value: impl Fn(&str) -> String) -> String {
        self.path
            .split('/')
            .map(
                |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) => value(name),
                    None => part.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Every route of a portal, in the order registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteList(Vec<RouteInfo>);

impl RouteList {
    pub fn iter(&self) -> impl Iterator<Item = &RouteInfo> {
        self.0.iter()
    }

    /// The routes that answer `method`: `Method::POST` gives every route that takes a form.
    pub fn with_method(&self, method: Method) -> impl Iterator<Item = &RouteInfo> {
        self.0.iter().filter(move |route| route.allows(&method))
    }

    /// The route registered with exactly this path.
    pub fn find(&self, path: &str) -> Option<&RouteInfo> {
        self.0.iter().find(|route| route.path == path)
    }
}

/// A route's handlers, one per method, with the methods written down as they are added.
pub struct Methods {
    router: MethodRouter<AppState>,
    methods: Vec<Method>,
    consent: Option<ConsentLevel>,
}

/// A route answering GET (and HEAD) with `handler`.
pub fn get<H: Handler<T, AppState>, T: 'static>(handler: H) -> Methods {
    Methods {
        router: routing::get(handler),
        methods: vec![Method::GET],
        consent: None,
    }
}

/// A route answering POST with `handler`.
pub fn post<H: Handler<T, AppState>, T: 'static>(handler: H) -> Methods {
    Methods {
        router: routing::post(handler),
        methods: vec![Method::POST],
        consent: None,
    }
}

impl Methods {
    pub fn post<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Self {
        self.router = self.router.post(handler);
        self.methods.push(Method::POST);
        self
    }

    /// The consent a citizen needs for every method of this route.
    pub fn needs(mut self, level: ConsentLevel) -> Self {
        self.consent = Some(level);
        self
    }

    /// A request body limit of this route's own instead of axum's default 2 MB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.router = self.router.layer(DefaultBodyLimit::max(bytes));
        self
    }
}

/// The router being built, and what it has been given.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    list: Vec<RouteInfo>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn route(mut self, path: &'static str, methods: Methods) -> Self {
        let router = match methods.consent {
            Some(level) => methods.router.layer(Extension(RequiredConsent(level))),
            None => methods.router,
        };
        self.router = self.router.route(path, router);
        self.list.push(RouteInfo {
            path,
            methods: methods.methods,
            consent: methods.consent,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, RouteList) {
        (self.router, RouteList(self.list))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_named_and_filled_in() {
        let route = RouteInfo {
            path: "/kontor/henvendelser/{thread}/svar",
            methods: vec![Method::POST],
            consent: None,
        };
        assert_eq!(route.parameters(), ["thread"]);
        assert_eq!(
            route.with_parameters(|name| format!("<{name}>")),
            "/kontor/henvendelser/<thread>/svar"
        );
        assert!(route.allows(&Method::POST));
        assert!(!route.allows(&Method::GET) && !route.allows(&Method::HEAD));
        let page = RouteInfo {
            path: "/innboks",
            methods: vec![Method::GET],
            consent: Some(ConsentLevel::BasisPluss),
        };
        assert!(page.parameters().is_empty());
        assert!(page.allows(&Method::HEAD));
    }
}
