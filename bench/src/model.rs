//! The engine-neutral model: statements, requests, the six shapes and their
//! deterministic generators.
//!
//! Only constructs that mean the same in all three languages are used:
//!
//! - principals: any, one user, one group (Tessera `user:u-1` / `group:g-1`,
//!   Cedar `principal == User::"u-1"` / `principal in Group::"g-1"`, Rego a
//!   comparison with `input.principal` / membership in `input.groups`);
//! - actions: any, one exact action, one `prefix*` wildcard (Cedar: an
//!   action group `Action::"prefix*"` the matching actions belong to);
//! - resources: any (`**`), one exact path, one subtree `prefix/**` (Cedar
//!   `resource.path like "prefix/*"`: Cedar's `*` crosses `/`, as `**` does);
//! - conditions: the principal's `team` tag equals a value, `source_ip` in a
//!   CIDR, `context.quarantined == true`; at most one `when` and one
//!   `unless` condition per statement.
//!
//! Every request carries `source_ip` and `quarantined`, so no condition in a
//! deny ever reads a missing value (where the three languages differ: a
//! Tessera deny fails closed, a Cedar policy that errors is skipped). A
//! principal may lack the `team` tag: allows reading it then do not apply in
//! any of the three (Cedar's conditions test `principal has team` first).

use std::net::Ipv4Addr;

/// Who a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `*`.
    Any,
    /// `user:ID`.
    User(String),
    /// `group:ID`.
    Group(String),
}

/// Which actions a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `*`.
    Any,
    /// One action, such as `secrets:GetSecretValue`.
    Exact(String),
    /// `PREFIX*`, such as `svc-3:Get*` (the field holds `svc-3:Get`).
    Prefix(String),
}

/// Which secrets a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `**`.
    Any,
    /// One path.
    Exact(String),
    /// `PREFIX/**`: everything below PREFIX (the field holds PREFIX).
    Subtree(String),
}

/// A condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// `principal.tags.team == "VALUE"`.
    TeamIs(String),
    /// `source_ip in CIDR`.
    IpIn(String),
    /// `context.quarantined == true`.
    Quarantined,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    /// Its name (unique in the set).
    pub name: String,
    /// `allow` or `deny`.
    pub allow: bool,
    /// Principal matcher.
    pub principal: Principal,
    /// Action matcher.
    pub action: Action,
    /// Resource matcher.
    pub resource: Resource,
    /// Applies only when this holds.
    pub when: Option<Cond>,
    /// Applies only when this does not hold.
    pub unless: Option<Cond>,
}

/// One request, engine-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Req {
    /// The user id without `user:` (every request's principal is a user).
    pub user: String,
    /// Group ids without `group:`.
    pub groups: Vec<String>,
    /// The principal's `team` tag, if any.
    pub team: Option<String>,
    /// The action.
    pub action: String,
    /// The secret's path.
    pub path: String,
    /// `context.source_ip`.
    pub source_ip: Ipv4Addr,
    /// `context.quarantined`.
    pub quarantined: bool,
}

impl Principal {
    /// Tessera pattern.
    pub fn tessera(&self) -> String {
        match self {
            Principal::Any => "*".into(),
            Principal::User(u) => format!("user:{u}"),
            Principal::Group(g) => format!("group:{g}"),
        }
    }
    /// Cedar scope element.
    pub fn cedar(&self) -> String {
        match self {
            Principal::Any => "principal".into(),
            Principal::User(u) => format!("principal == User::\"{u}\""),
            Principal::Group(g) => format!("principal in Group::\"{g}\""),
        }
    }
    /// Does it match the request?
    pub fn matches(&self, r: &Req) -> bool {
        match self {
            Principal::Any => true,
            Principal::User(u) => *u == r.user,
            Principal::Group(g) => r.groups.contains(g),
        }
    }
}

impl Action {
    /// Tessera pattern.
    pub fn tessera(&self) -> String {
        match self {
            Action::Any => "*".into(),
            Action::Exact(a) => a.clone(),
            Action::Prefix(p) => format!("{p}*"),
        }
    }
    /// Cedar scope element.
    pub fn cedar(&self) -> String {
        match self {
            Action::Any => "action".into(),
            Action::Exact(a) => format!("action == Action::\"{a}\""),
            Action::Prefix(p) => format!("action in Action::\"{p}*\""),
        }
    }
    /// Does it match the action?
    pub fn matches(&self, action: &str) -> bool {
        match self {
            Action::Any => true,
            Action::Exact(a) => a == action,
            Action::Prefix(p) => action.starts_with(p.as_str()),
        }
    }
}

impl Resource {
    /// Tessera pattern.
    pub fn tessera(&self) -> String {
        match self {
            Resource::Any => "**".into(),
            Resource::Exact(p) => p.clone(),
            Resource::Subtree(p) => format!("{p}/**"),
        }
    }
    /// Cedar scope element.
    pub fn cedar_scope(&self) -> String {
        match self {
            Resource::Exact(p) => format!("resource == Secret::\"{p}\""),
            Resource::Any | Resource::Subtree(_) => "resource".into(),
        }
    }
    /// Cedar `when` test for a subtree.
    pub fn cedar_like(&self) -> Option<String> {
        match self {
            Resource::Subtree(p) => Some(format!("resource.path like \"{p}/*\"")),
            _ => None,
        }
    }
}

impl Cond {
    /// Tessera condition.
    pub fn tessera(&self) -> String {
        match self {
            Cond::TeamIs(t) => format!("principal.tags.team == \"{t}\""),
            Cond::IpIn(c) => format!("source_ip in {c}"),
            Cond::Quarantined => "context.quarantined == true".into(),
        }
    }
    /// Cedar condition.
    pub fn cedar(&self) -> String {
        match self {
            Cond::TeamIs(t) => format!("principal has team && principal.team == \"{t}\""),
            Cond::IpIn(c) => format!("context.source_ip.isInRange(ip(\"{c}\"))"),
            Cond::Quarantined => "context.quarantined".into(),
        }
    }
}

/// The six shapes of policy set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Statement i allows `prod/team-i/**`.
    Subtree,
    /// Statement i allows `user:u-i` on `prod/shared/db`.
    Principal,
    /// Statement i allows `group:g-i` on `prod/shared/db`.
    Group,
    /// Statement i allows `prod/**` when the principal's team is `team-i`.
    Tag,
    /// Statement i allows `svc-i:Get*` on `prod/shared/db`.
    Action,
    /// The five above in turn, plus two global denies.
    Mix,
}

impl Shape {
    /// All shapes, in table order.
    pub const ALL: [Shape; 6] = [
        Shape::Subtree,
        Shape::Principal,
        Shape::Group,
        Shape::Tag,
        Shape::Action,
        Shape::Mix,
    ];
    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Subtree => "subtree",
            Shape::Principal => "principal",
            Shape::Group => "group",
            Shape::Tag => "tag",
            Shape::Action => "action",
            Shape::Mix => "mix",
        }
    }
}

/// The four request kinds timed for every shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Allowed by the statement in the middle of the set.
    Allowed,
    /// The same request from a member of `group:suspended`: an explicit deny.
    Deny,
    /// The same request with an action no statement names: nothing applies.
    NoMatch,
    /// A request only the fixed conditional allow is about, whose condition fails.
    Condition,
}

impl Kind {
    /// All kinds, in table order.
    pub const ALL: [Kind; 4] = [Kind::Allowed, Kind::Deny, Kind::NoMatch, Kind::Condition];
    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Allowed => "allowed",
            Kind::Deny => "deny",
            Kind::NoMatch => "no_match",
            Kind::Condition => "condition",
        }
    }
    /// Whether every engine must allow it.
    pub fn expect_allow(self) -> bool {
        self == Kind::Allowed
    }
}

const GET: &str = "secrets:GetSecretValue";
const SHARED: &str = "prod/shared/db";

/// Statement `i` of a shape (the mix picks the shape by `i % 5`).
fn generated(shape: Shape, i: usize) -> Stmt {
    let base = Stmt {
        name: format!("s{i}"),
        allow: true,
        principal: Principal::Any,
        action: Action::Exact(GET.into()),
        resource: Resource::Exact(SHARED.into()),
        when: None,
        unless: None,
    };
    match shape {
        Shape::Subtree => Stmt {
            resource: Resource::Subtree(format!("prod/team-{i}")),
            ..base
        },
        Shape::Principal => Stmt {
            principal: Principal::User(format!("u-{i}")),
            ..base
        },
        Shape::Group => Stmt {
            principal: Principal::Group(format!("g-{i}")),
            ..base
        },
        Shape::Tag => Stmt {
            resource: Resource::Subtree("prod".into()),
            when: Some(Cond::TeamIs(format!("team-{i}"))),
            ..base
        },
        Shape::Action => Stmt {
            action: Action::Prefix(format!("svc-{i}:Get")),
            ..base
        },
        Shape::Mix => generated(MIX_ORDER[i % MIX_ORDER.len()], i),
    }
}

/// The shapes the mix cycles through.
const MIX_ORDER: [Shape; 5] = [
    Shape::Subtree,
    Shape::Principal,
    Shape::Group,
    Shape::Tag,
    Shape::Action,
];

/// The statements every set holds on top of its `n` generated ones: two
/// denies (for the `deny` requests) and one conditional allow (for the
/// `condition` requests); the mix adds a network deny and a quarantine deny.
pub fn fixed(shape: Shape) -> Vec<Stmt> {
    let mut v = vec![
        Stmt {
            name: "deny-suspended".into(),
            allow: false,
            principal: Principal::Group("suspended".into()),
            action: Action::Any,
            resource: Resource::Any,
            when: None,
            unless: None,
        },
        Stmt {
            name: "deny-delete-prod".into(),
            allow: false,
            principal: Principal::Any,
            action: Action::Exact("secrets:DeleteSecret".into()),
            resource: Resource::Subtree("prod".into()),
            when: None,
            unless: None,
        },
        Stmt {
            name: "break-glass-from-network".into(),
            allow: true,
            principal: Principal::Any,
            action: Action::Exact(GET.into()),
            resource: Resource::Subtree("ops/break-glass".into()),
            when: Some(Cond::IpIn("10.0.0.0/8".into())),
            unless: None,
        },
    ];
    if shape == Shape::Mix {
        v.push(Stmt {
            name: "deny-prod-outside-network".into(),
            allow: false,
            principal: Principal::Any,
            action: Action::Any,
            resource: Resource::Subtree("prod".into()),
            when: None,
            unless: Some(Cond::IpIn("10.0.0.0/8".into())),
        });
        v.push(Stmt {
            name: "deny-quarantined".into(),
            allow: false,
            principal: Principal::Any,
            action: Action::Any,
            resource: Resource::Any,
            when: Some(Cond::Quarantined),
            unless: None,
        });
    }
    v
}

/// The set: `n` generated statements, then the fixed ones.
pub fn statements(shape: Shape, n: usize) -> Vec<Stmt> {
    let mut v: Vec<Stmt> = (0..n).map(|i| generated(shape, i)).collect();
    v.extend(fixed(shape));
    v
}

/// The statement the timed requests are about: the middle one (in the mix,
/// the principal-keyed statement just after the middle).
pub fn target(shape: Shape, n: usize) -> usize {
    match shape {
        Shape::Mix => {
            let mut i = n / 2;
            while i % 5 != 1 {
                i += 1;
            }
            i
        }
        _ => n / 2,
    }
}

/// A request from inside the network, not quarantined.
fn plain(user: &str, action: &str, path: &str) -> Req {
    Req {
        user: user.into(),
        groups: Vec::new(),
        team: None,
        action: action.into(),
        path: path.into(),
        source_ip: Ipv4Addr::new(10, 1, 2, 3),
        quarantined: false,
    }
}

/// A request statement `i` of the shape (not the mix) allows.
fn allowed_by(shape: Shape, i: usize) -> Req {
    let user = format!("u-{i}");
    match shape {
        Shape::Subtree => plain(&user, GET, &format!("prod/team-{i}/db")),
        Shape::Principal => plain(&user, GET, SHARED),
        Shape::Group => Req {
            groups: vec![format!("g-{i}")],
            ..plain(&user, GET, SHARED)
        },
        Shape::Tag => Req {
            team: Some(format!("team-{i}")),
            ..plain(&user, GET, "prod/payments/db")
        },
        Shape::Action => plain(&user, &format!("svc-{i}:GetSecret"), SHARED),
        Shape::Mix => allowed_by(MIX_ORDER[i % MIX_ORDER.len()], i),
    }
}

/// The request of a kind for a shape and size.
pub fn request(shape: Shape, n: usize, kind: Kind) -> Req {
    let i = target(shape, n);
    let allowed = allowed_by(shape, i);
    match kind {
        Kind::Allowed => allowed,
        Kind::Deny => {
            let mut r = allowed;
            r.groups.push("suspended".into());
            r
        }
        Kind::NoMatch => {
            let action = if allowed.action.starts_with("svc-") {
                format!("svc-{i}:PutSecret")
            } else {
                "secrets:PutSecretValue".into()
            };
            Req { action, ..allowed }
        }
        Kind::Condition => Req {
            action: GET.into(),
            path: "ops/break-glass/db".into(),
            source_ip: Ipv4Addr::new(192, 0, 2, 10),
            ..allowed
        },
    }
}

/// SplitMix64: small, deterministic, the same on every platform.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// True with probability `percent` %.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// `count` random requests for a shape and size, from a fixed seed: keys
/// near the set's range (so that many hit a statement), random groups,
/// tags, actions, paths, addresses and quarantine flags.
pub fn random_requests(shape: Shape, n: usize, count: usize) -> Vec<Req> {
    let mut rng = Rng(0x7E55_E7A0 ^ ((shape as u64) << 32) ^ n as u64);
    (0..count)
        .map(|_| {
            let key = rng.below(n + n / 4 + 1);
            let mut k = || {
                if rng.chance(60) {
                    key
                } else {
                    rng.below(n + 1)
                }
            };
            let (a, b, c, d, e) = (k(), k(), k(), k(), k());
            let mut groups = Vec::new();
            if rng.chance(50) {
                groups.push(format!("g-{b}"));
            }
            if rng.chance(10) {
                groups.push("suspended".into());
            }
            let team = rng.chance(60).then(|| format!("team-{c}"));
            let action = match rng.below(10) {
                0..=4 => GET.to_string(),
                5 => "secrets:PutSecretValue".into(),
                6 => "secrets:DeleteSecret".into(),
                7 | 8 => format!("svc-{d}:GetSecret"),
                _ => format!("svc-{d}:PutSecret"),
            };
            let path = match rng.below(6) {
                0 | 1 => format!("prod/team-{e}/db"),
                2 => SHARED.to_string(),
                3 => format!("staging/team-{e}/db"),
                4 => "ops/break-glass/db".into(),
                _ => format!("prod/team-{e}/app/deep/key"),
            };
            let source_ip = if rng.chance(80) {
                Ipv4Addr::new(10, rng.below(256) as u8, rng.below(256) as u8, 7)
            } else {
                Ipv4Addr::new(192, 0, 2, rng.below(256) as u8)
            };
            Req {
                user: format!("u-{a}"),
                groups,
                team,
                action,
                path,
                source_ip,
                quarantined: rng.chance(10),
            }
        })
        .collect()
}

/// The decision the model itself gives (Tessera's semantics on these
/// constructs): a cross-check for every engine.
pub fn model_decides(stmts: &[Stmt], r: &Req) -> bool {
    let holds = |c: &Cond| match c {
        Cond::TeamIs(t) => r.team.as_deref() == Some(t.as_str()),
        Cond::IpIn(cidr) => {
            let (net, bits) = cidr.split_once('/').expect("cidr");
            let net: Ipv4Addr = net.parse().expect("cidr address");
            let bits: u32 = bits.parse().expect("cidr bits");
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(r.source_ip) & mask == u32::from(net) & mask
        }
        Cond::Quarantined => r.quarantined,
    };
    let applies = |s: &Stmt| {
        s.principal.matches(r)
            && s.action.matches(&r.action)
            && match &s.resource {
                Resource::Any => true,
                Resource::Exact(p) => *p == r.path,
                Resource::Subtree(p) => r
                    .path
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1),
            }
            && s.when.as_ref().is_none_or(holds)
            && !s.unless.as_ref().is_some_and(holds)
    };
    let mut allowed = false;
    for s in stmts {
        if applies(s) {
            if !s.allow {
                return false;
            }
            allowed = true;
        }
    }
    allowed
}
