//! The inputs: every one must be refused before anything is sent.

/// Targets the write rule refuses.
pub(crate) const HOSTNAMES: &[&str] = &[
    "",
    ".",
    "..",
    "a..example.net",
    ".example.net",
    "host.example.net..",
    "-host.example.net",
    "host-.example.net",
    "a.-b.example.net",
    "host name.example.net",
    " host.example.net",
    "host.example.net ",
    "tab\there.example.net",
    "nl\n.example.net",
    "cr\r.example.net",
    "nul\0.example.net",
    "del\u{7f}.example.net",
    "esc\u{1b}[31m.example.net",
    "_dmarc.example.net",
    "host_1.example.net",
    "_gateway.example.net",
    "*.example.net",
    "a*.example.net",
    "localhost",
    "router",
    "host.123",
    "host.example.0",
    "1.2.3",
    "192.0.2.1",
    "192.0.2.1.",
    "2001:db8::1",
    "[2001:db8::1]",
    "::1",
    "bücher.example.net",
    "例え.jp",
    "host.ex\u{e4}mple.net",
    "\u{202e}ten.elpmaxe",
    "host\u{2028}.example.net",
    "\u{feff}host.example.net",
    "zero\u{200b}width.example.net",
    "a/b.example.net",
    "a:b.example.net",
    "a@b.example.net",
    "a%41.example.net",
    "a+b.example.net",
    "a,b.example.net",
    "a;b.example.net",
    "a'b.example.net",
    "a\"b.example.net",
    "a\\b.example.net",
    "a(b).example.net",
    "a!b.example.net",
    "a=b.example.net",
    "a~b.example.net",
    "a#b.example.net",
    "a$b.example.net",
    "a&b.example.net",
    "a?b.example.net",
    "a<b>.example.net",
    "a|b.example.net",
    "a`b.example.net",
    "a^b.example.net",
    "a{b}.example.net",
    "a[b].example.net",
    "-.example.net",
    "example.-",
    "xn--.example.net-",
    "host.example.-net",
];

/// Labels or names over the length limits (built, so the table stays readable).
pub(crate) fn long_hostnames() -> Vec<String> {
    let label64 = "a".repeat(64);
    let name254 = std::iter::repeat_n("a".repeat(63), 4)
        .collect::<Vec<_>>()
        .join(".")
        .chars()
        .take(254)
        .collect::<String>();
    vec![
        format!("{label64}.example.net"),
        format!("host.{label64}"),
        name254.clone(),
        format!("{name254}."),
        format!("{}.example.net", "a".repeat(100_000)),
    ]
}

/// Addresses that can carry no PTR.
pub(crate) const ADDRESSES: &[&str] = &[
    "0.0.0.0",
    "0.1.2.3",
    "0.255.255.255",
    "127.0.0.1",
    "127.1.2.3",
    "127.255.255.255",
    "169.254.0.1",
    "169.254.169.254",
    "169.254.255.254",
    "224.0.0.1",
    "224.0.0.251",
    "233.252.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "250.1.2.3",
    "255.255.255.255",
    "::",
    "::1",
    "fe80::1",
    "fe80::abcd:1234",
    "febf:ffff::1",
    "ff00::1",
    "ff02::1",
    "ff05::1:3",
    "ff0e::114",
    "::ffff:127.0.0.1",
    "::ffff:0.0.0.0",
    "::ffff:169.254.1.1",
    "::ffff:224.0.0.1",
    "::ffff:255.255.255.255",
    "::127.0.0.1",
    "::224.0.0.5",
    "::0.0.0.2",
    "0.0.0.1",
    "127.0.0.53",
    "169.254.100.200",
    "225.1.2.3",
    "ff01::1",
    "fe80::dead:beef",
];

/// Comment text refused on every provider (the character rules).
pub(crate) const COMMENT_CHARACTERS: &[&str] = &[
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "nul\0",
    "del\u{7f}",
    "esc\u{1b}[2J",
    "next line\u{85}",
    "line\u{2028}separator",
    "paragraph\u{2029}separator",
    "\u{202a}embedding",
    "\u{202b}embedding",
    "\u{202c}pop",
    "\u{202d}override",
    "\u{202e}gnp.exe",
    "\u{2066}isolate",
    "\u{2067}isolate",
    "\u{2068}isolate",
    "isolate\u{2069}",
    "mark\u{200e}",
    "mark\u{200f}",
    "arabic\u{61c}mark",
    "\u{feff}bom",
];

/// Comments over the 255 characters IONOS and ECL store.
pub(crate) fn long_comments() -> Vec<String> {
    vec!["x".repeat(256), "é".repeat(256), "x".repeat(100_000)]
}

/// TTLs above ECL's 86400.
pub(crate) const TTLS: &[u32] = &[86_401, 100_000, 604_800, u32::MAX];

/// Base URLs every provider refuses.
pub(crate) const BASE_URLS: &[&str] = &[
    "not a url",
    "ftp://dns.example.net",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "gopher://dns.example.net",
    "ws://127.0.0.1:8080",
    "http://dns.example.net",
    "http://10.0.0.1",
    "http://192.168.1.1:8080",
    "http://[fe80::1]",
    "http://localhost.example.net",
    "https://user:pw@dns.example.net",
    "https://token@dns.example.net",
    "https://dns.example.net/?q=1",
    "https://dns.example.net/#fragment",
    "https://dns.example.net:99999",
    "https://",
    "mailto:ops@example.net",
    "data:text/plain,hello",
    "http://127.0.0.1.example.net",
    "https://dns example.net",
];

/// Passwords refused (blank, or with a control character).
pub(crate) const PASSWORDS: &[&str] =
    &["   ", "\t", "pw\n", "pw\r", "p\0w", "pw\u{7f}", "\u{1b}pw"];

/// Identifiers refused (emails, VPS, project and region ids).
pub(crate) const IDENTIFIERS: &[&str] = &[
    " ",
    "two words",
    "trailing\n",
    "\tleading",
    "nul\0",
    "nb\u{a0}sp",
    "bidi\u{202e}",
];

/// Header tokens refused (IONOS token, ECL static token).
pub(crate) const TOKENS: &[&str] = &[
    " ",
    "tok en",
    "tok\n",
    "tok\r\nX-Evil: 1",
    "tök",
    "\u{feff}tok",
    "tok\0",
    "tok\u{7f}",
    "tok\u{a0}",
    "tok\u{2028}",
];

/// User names refused (Keystone).
pub(crate) const USERNAMES: &[&str] = &[" ", " ops", "ops ", "o\nps", "ops\0"];
