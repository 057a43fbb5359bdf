"""Render the page definitions in ``sample_pages.py`` into the demo sample that ``make demo`` runs on.

Writes two files into ``--out`` (default: ``examples/sample`` next to this script):

* ``crawl.warc.gz``: a WARC/1.1 file, gzipped per record, as a crawler would write it: a ``warcinfo`` record,
  a ``request``/``response`` pair per page, two ``metadata`` records, plus a ``robots.txt`` and a PNG so that
  the pipeline meets records it must skip;
* ``pages.jsonl``: one ``{"id", "url", "text", "language_hint"}`` object per page, where ``text`` is what a
  good HTML-to-text extractor should produce (the JSONL input path of the pipeline, and a reference for the
  extraction stage).

The output is byte-for-byte reproducible: dates and record ids are fixed (ids are uuid5 of the page id),
nothing is random, and the only compressed streams are warcio's per-record gzip members. warcio compresses
with ``zlib.compressobj(wbits=31)``, whose gzip header always carries mtime 0 and no file name. The one
platform-dependent header byte (OS, 3 on Linux and 19 on macOS) is rewritten to 255, "unknown". What remains
depends only on the input and on the deflate implementation: stock zlib 1.2.x/1.3.x agree, zlib-ng does not.

Run it as a script: ``python examples/make_sample.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import json
import struct
import zlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from uuid import NAMESPACE_URL, uuid5

from sample_pages import PAGES, Page, Site
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DEFAULT_OUT = Path(__file__).resolve().parent / "sample"
WARC_NAME = "crawl.warc.gz"
JSONL_NAME = "pages.jsonl"

# All record ids hang off one fixed namespace, so they are stable across runs and machines.
_ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://refinery.example/examples/sample")
# The crawl "happened" at a fixed time; each fetch is a few seconds after the previous one.
_CRAWL_START = datetime(2024, 5, 14, 8, 0, 0, tzinfo=UTC)
_FETCH_INTERVAL = timedelta(seconds=7)
_USER_AGENT = "refinery-sample-crawler/0.1 (+https://refinery.example/crawler)"
_HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# Pages that get a metadata record after their response (as Common Crawl writes one per fetch; two is enough
# for the pipeline to prove it skips them).
_METADATA_FOR = ("en-sourdough-starter", "zh-tomato-egg")

# Site chrome in each site's language: menus, cookie banner, sidebar and footer are what extraction must drop.
_CHROME: dict[str, dict[str, str]] = {
    "en": {
        "home": "Home",
        "skip": "Skip to content",
        "search": "Search",
        "by": "By",
        "share": "Share this post",
        "related": "Related posts",
        "newsletter": "Get new posts by email",
        "subscribe": "Subscribe",
        "rights": "All rights reserved.",
        "privacy": "Privacy policy",
        "terms": "Terms of use",
        "contact": "Contact",
        "cookie": "We use cookies to remember your settings and to understand how this site is used.",
        "cookie_settings": "Cookie settings",
        "accept": "Accept all",
        "reject": "Reject non-essential",
    },
    "zh": {
        "home": "首页",
        "skip": "跳到正文",
        "search": "搜索",
        "by": "作者：",
        "share": "分享到",
        "related": "相关文章",
        "newsletter": "订阅我们的更新",
        "subscribe": "订阅",
        "rights": "版权所有。",
        "privacy": "隐私政策",
        "terms": "使用条款",
        "contact": "联系我们",
        "cookie": "我们使用 Cookie 来记住您的偏好设置，并了解网站的使用情况。",
        "cookie_settings": "Cookie 设置",
        "accept": "全部接受",
        "reject": "仅必要",
    },
    "ja": {
        "home": "ホーム",
        "skip": "本文へ移動",
        "search": "検索",
        "by": "著者：",
        "share": "この記事を共有",
        "related": "関連記事",
        "newsletter": "新着記事をメールで受け取る",
        "subscribe": "登録する",
        "rights": "無断転載を禁じます。",
        "privacy": "プライバシーポリシー",
        "terms": "利用規約",
        "contact": "お問い合わせ",
        "cookie": "当サイトでは、設定の保存とアクセス解析のためにCookieを使用しています。",
        "cookie_settings": "Cookie設定",
        "accept": "すべて許可",
        "reject": "必須のみ",
    },
    "de": {
        "home": "Startseite",
        "skip": "Zum Inhalt springen",
        "search": "Suche",
        "by": "Von",
        "share": "Beitrag teilen",
        "related": "Ähnliche Beiträge",
        "newsletter": "Neue Beiträge per E-Mail erhalten",
        "subscribe": "Abonnieren",
        "rights": "Alle Rechte vorbehalten.",
        "privacy": "Datenschutzerklärung",
        "terms": "Impressum",
        "contact": "Kontakt",
        "cookie": "Wir verwenden Cookies, um Ihre Einstellungen zu speichern und die Nutzung zu verstehen.",
        "cookie_settings": "Cookie-Einstellungen",
        "accept": "Alle akzeptieren",
        "reject": "Nur notwendige",
    },
    "fr": {
        "home": "Accueil",
        "skip": "Aller au contenu",
        "search": "Rechercher",
        "by": "Par",
        "share": "Partager cet article",
        "related": "Articles similaires",
        "newsletter": "Recevoir les nouveaux articles par e-mail",
        "subscribe": "S'abonner",
        "rights": "Tous droits réservés.",
        "privacy": "Politique de confidentialité",
        "terms": "Mentions légales",
        "contact": "Contact",
        "cookie": "Nous utilisons des cookies pour mémoriser vos préférences et mesurer l'audience du site.",
        "cookie_settings": "Paramètres des cookies",
        "accept": "Tout accepter",
        "reject": "Tout refuser",
    },
    "es": {
        "home": "Inicio",
        "skip": "Saltar al contenido",
        "search": "Buscar",
        "by": "Por",
        "share": "Compartir",
        "related": "Entradas relacionadas",
        "newsletter": "Recibe las nuevas recetas por correo",
        "subscribe": "Suscribirme",
        "rights": "Todos los derechos reservados.",
        "privacy": "Política de privacidad",
        "terms": "Aviso legal",
        "contact": "Contacto",
        "cookie": "Utilizamos cookies para recordar tus preferencias y analizar el uso del sitio.",
        "cookie_settings": "Configurar cookies",
        "accept": "Aceptar todas",
        "reject": "Rechazar",
    },
    "ru": {
        "home": "Главная",
        "skip": "Перейти к содержанию",
        "search": "Поиск",
        "by": "Автор:",
        "share": "Поделиться",
        "related": "Похожие статьи",
        "newsletter": "Получать новые статьи по почте",
        "subscribe": "Подписаться",
        "rights": "Все права защищены.",
        "privacy": "Политика конфиденциальности",
        "terms": "Условия использования",
        "contact": "Контакты",
        "cookie": "Мы используем файлы cookie, чтобы запоминать ваши настройки и анализировать посещаемость.",
        "cookie_settings": "Настройки cookie",
        "accept": "Принять все",
        "reject": "Только необходимые",
    },
}

# string.Template rather than str.format: the inline scripts are full of braces.
_PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$head_title</title>
<meta name="description" content="$description">
<link rel="canonical" href="$canonical">
<link rel="stylesheet" href="/assets/css/main.css?v=3.2.1">
<script>
window.dataLayer = window.dataLayer || [];
function track() { dataLayer.push(arguments); }
track('init', '$site_code');
track('pageview', { path: location.pathname, lang: '$lang' });
</script>
</head>
<body class="$body_class">
$body
<script>
(function () {
  var banner = document.getElementById('cookie-banner');
  if (!banner) { return; }
  if (window.localStorage.getItem('consent')) { banner.hidden = true; }
  banner.addEventListener('click', function (event) {
    var choice = event.target.getAttribute('data-consent');
    if (!choice) { return; }
    window.localStorage.setItem('consent', choice);
    banner.hidden = true;
    track('consent', choice);
  });
})();
</script>
</body>
</html>
""")

_CHROME_BODY = Template("""<a class="skip-link" href="#content">$skip</a>
<div id="cookie-banner" class="cookie-banner" role="dialog" aria-live="polite">
<p>$cookie <a href="/privacy/#cookies">$cookie_settings</a></p>
<button type="button" data-consent="all">$accept</button>
<button type="button" data-consent="essential">$reject</button>
</div>
<header class="site-header">
<a class="logo" href="/">$site_name</a>
<nav class="main-nav" aria-label="Main">
<ul>
$nav
</ul>
</nav>
<form class="search" action="/search" method="get"><input type="search" name="q" placeholder="$search"></form>
</header>
<div class="layout">
<main id="content">
$main
</main>
<aside class="sidebar">
$related
<section class="newsletter">
<h2>$newsletter</h2>
<form action="/subscribe" method="post"><input type="email" name="email" placeholder="you@example.com">
<button type="submit">$subscribe</button></form>
</section>
</aside>
</div>
<footer class="site-footer">
$footer_note<p>&copy; $year $site_name. $rights</p>
<ul class="legal">
<li><a href="/privacy/">$privacy</a></li>
<li><a href="/terms/">$terms</a></li>
<li><a href="/contact/">$contact</a></li>
</ul>
</footer>""")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _chrome(site: Site) -> dict[str, str]:
    return _CHROME[site.language]


def _main_html(page: Page) -> str:
    """The page's own content; its text is exactly ``page.text`` once tags are stripped."""
    title = f"<h1>{_esc(page.title)}</h1>"
    if page.layout == "article":
        chrome = _chrome(page.site)
        byline = (
            f'<p class="byline">{_esc(chrome["by"])} '
            f'<a href="/about/" rel="author">{_esc(page.site.author)}</a>'
            f' · <time datetime="{page.published}">{page.published}</time></p>'
        )
        body = "\n".join(f"<p>{_esc(p)}</p>" for p in page.paragraphs)
        share = (
            f'<div class="share">{_esc(chrome["share"])}: <a href="/share/mail">Email</a> '
            '<a href="/share/feed">RSS</a></div>'
        )
        return f'<article class="post">\n{title}\n{byline}\n{body}\n{share}\n</article>'
    if page.layout == "links":
        items = "\n".join(
            f'<li><a href="https://link{i:02d}.example/">{_esc(label)}</a></li>'
            for i, label in enumerate(page.paragraphs, 1)
        )
        return f'{title}\n<ul class="link-grid">\n{items}\n</ul>'
    if page.layout == "code":
        code = "\n".join(_esc(line) for line in page.paragraphs)
        return f'{title}\n<pre class="raw">{code}</pre>'
    if page.layout == "form":
        email, password, remember, forgot, register = page.paragraphs
        return (
            f'{title}\n<form class="login" action="{_attr(urlsplit(page.url).path)}" method="post">\n'
            f'<label for="email">{_esc(email)}</label>\n'
            '<input id="email" type="email" name="email" autocomplete="username">\n'
            f'<label for="password">{_esc(password)}</label>\n'
            '<input id="password" type="password" name="password" autocomplete="current-password">\n'
            f'<label class="check"><input type="checkbox" name="remember">{_esc(remember)}</label>\n'
            '<button type="submit">Sign in</button>\n'
            f'<p><a href="/account/reset">{_esc(forgot)}</a></p>\n'
            f'<p><a href="/account/register">{_esc(register)}</a></p>\n'
            "</form>"
        )
    if page.layout == "notice":
        return "\n".join([title, *(f"<p>{_esc(p)}</p>" for p in page.paragraphs)])
    raise ValueError(f"{page.id}: layout {page.layout!r} has no main content")


def _consent_wall(page: Page) -> str:
    """A cookie wall shown before any content: the whole visible page is the consent dialog."""
    chrome = _chrome(page.site)
    paragraphs = "\n".join(f"<p>{_esc(p)}</p>" for p in page.paragraphs)
    return (
        f'<div class="consent-wall" role="dialog" aria-modal="true">\n'
        f'<img class="logo" src="/assets/img/logo.svg" alt="{_attr(page.site.name)}">\n'
        f"<h1>{_esc(page.title)}</h1>\n{paragraphs}\n"
        f'<button type="button" data-consent="all">{_esc(chrome["accept"])}</button>\n'
        f'<button type="button" data-consent="essential">{_esc(chrome["reject"])}</button>\n'
        f'<a href="/privacy/#cookies">{_esc(chrome["cookie_settings"])}</a>\n'
        "</div>"
    )


def render_html(page: Page) -> bytes:
    site = page.site
    chrome = _chrome(site)
    if page.layout == "consent":
        body = _consent_wall(page)
    else:
        links = site.nav if site.nav[0][1] == "/" else ((chrome["home"], "/"), *site.nav)
        nav = "\n".join(f'<li><a href="{_attr(href)}">{_esc(label)}</a></li>' for label, href in links)
        related = ""
        if site.related:
            items = "\n".join(f'<li><a href="{_attr(href)}">{_esc(label)}</a></li>' for label, href in site.related)
            heading = f"<h2>{_esc(chrome['related'])}</h2>"
            related = f'<section class="related">\n{heading}\n<ul>\n{items}\n</ul>\n</section>'
        footer_note = f'<p class="footer-note">{_esc(page.footer_note)}</p>\n' if page.footer_note else ""
        body = _CHROME_BODY.substitute(
            {name: _esc(value) for name, value in chrome.items()},
            site_name=_esc(site.name),
            nav=nav,
            main=_main_html(page),
            related=related,
            footer_note=footer_note,
            year=page.published[:4],
        )
    description = page.paragraphs[0] if page.paragraphs else page.title
    if len(description) > 150:
        description = description[:150].rstrip() + "…"
    document = _PAGE.substitute(
        lang=page.language if page.layout == "article" else site.language,
        head_title=_esc(f"{page.title} | {site.name}"),
        description=_attr(description),
        canonical=_attr(page.canonical or page.url),
        site_code=hashlib.sha1(site.host.encode()).hexdigest()[:8].upper(),
        body_class=f"layout-{page.layout}",
        body=body,
    )
    return document.encode("utf-8")


def _png_moon() -> bytes:
    """A 16x16 greyscale crescent. The zlib stream is built by hand from one stored block so the bytes do not
    depend on which deflate implementation is installed."""
    rows = []
    for y in range(16):
        row = bytearray([0])  # filter type 0 (None) for each scanline
        for x in range(16):
            in_disc = (x - 8) ** 2 + (y - 8) ** 2 <= 36
            in_shadow = (x - 10) ** 2 + (y - 7) ** 2 <= 30
            row.append(232 if in_disc and not in_shadow else 18)
        rows.append(bytes(row))
    raw = b"".join(rows)
    stored = b"\x01" + struct.pack("<HH", len(raw), len(raw) ^ 0xFFFF) + raw
    idat = b"\x78\x01" + stored + struct.pack(">I", zlib.adler32(raw))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0)  # 8-bit greyscale, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


_ROBOTS_TXT = b"""# robots.txt for hearthandcrumb.example
User-agent: *
Disallow: /account/
Disallow: /search
Allow: /

Sitemap: https://hearthandcrumb.example/sitemap.xml
"""


class _Fetch:
    """One fetched URL: what the request/response pair needs."""

    def __init__(self, key: str, url: str, content_type: str, body: bytes, last_modified: date | None) -> None:
        self.key = key
        self.url = url
        self.content_type = content_type
        self.body = body
        self.last_modified = last_modified


def _fetches() -> list[_Fetch]:
    # Crawlers fetch robots.txt before anything else on a host; the image comes last, like a page resource.
    fetches = [_Fetch("robots-txt", "https://hearthandcrumb.example/robots.txt", "text/plain", _ROBOTS_TXT, None)]
    fetches += [
        _Fetch(page.id, page.url, "text/html", render_html(page), date.fromisoformat(page.published)) for page in PAGES
    ]
    fetches.append(
        _Fetch(
            "moon-icon-png",
            "https://backyardsky.example/assets/img/moon-icon.png",
            "image/png",
            _png_moon(),
            date(2023, 9, 1),
        )
    )
    return fetches


def _record_id(key: str) -> str:
    return f"<urn:uuid:{uuid5(_ID_NAMESPACE, key)}>"


def _warc_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ip_for(host: str) -> str:
    # A stable documentation-range (TEST-NET-1) address per host.
    return f"192.0.2.{hashlib.sha1(host.encode()).digest()[0] % 254 + 1}"


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def _normalise_gzip_os_byte(data: bytes) -> bytes:
    """Set the OS field of every gzip member to 255 ("unknown", as Python's gzip module writes it).

    zlib fills it from a compile-time constant, so the same input would give other bytes on Linux and macOS.
    The header is not covered by the member's CRC, so rewriting it keeps every member valid.
    """
    out = bytearray(data)
    start = 0
    while start < len(out):
        if out[start : start + 3] != b"\x1f\x8b\x08":
            raise ValueError(f"no gzip member at offset {start}")
        out[start + 9] = 255
        member = zlib.decompressobj(wbits=31)
        member.decompress(data[start:])
        if not member.eof:
            raise ValueError(f"truncated gzip member at offset {start}")
        start = len(data) - len(member.unused_data)
    return bytes(out)


def _write_warc(path: Path, fetches: Iterable[_Fetch]) -> None:
    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=True, warc_version="1.1")
    warcinfo_id = _record_id("warcinfo")
    info = (
        "software: refinery examples/make_sample.py\r\n"
        "format: WARC File Format 1.1\r\n"
        "conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
        f"http-header-user-agent: {_USER_AGENT}\r\n"
        "isPartOf: refinery-demo-sample\r\n"
        "description: Synthetic crawl for the refinery demo; every site is fictional (.example)\r\n"
    ).encode()
    # create_warc_record, not create_warcinfo_record: the latter stamps a random id and the current time.
    writer.write_record(
        writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(info),
            length=len(info),
            warc_headers_dict={
                "WARC-Record-ID": warcinfo_id,
                "WARC-Date": _warc_date(_CRAWL_START),
                "WARC-Filename": WARC_NAME,
                "Content-Type": "application/warc-fields",
            },
        )
    )
    for index, fetch in enumerate(fetches, 1):
        moment = _CRAWL_START + index * _FETCH_INTERVAL
        _write_pair(writer, fetch, moment, warcinfo_id)
    path.write_bytes(_normalise_gzip_os_byte(stream.getvalue()))


def _write_pair(writer: WARCWriter, fetch: _Fetch, moment: datetime, warcinfo_id: str) -> None:
    parts = urlsplit(fetch.url)
    response_id = _record_id(f"{fetch.key}/response")
    common = {"WARC-Date": _warc_date(moment), "WARC-Warcinfo-ID": warcinfo_id}

    request_target = parts.path + (f"?{parts.query}" if parts.query else "")
    request_headers = StatusAndHeaders(
        f"GET {request_target} HTTP/1.1",
        [
            ("Host", parts.netloc),
            ("User-Agent", _USER_AGENT),
            ("Accept", _HTML_ACCEPT if fetch.content_type == "text/html" else "*/*"),
            ("Accept-Encoding", "identity"),
            ("Connection", "close"),
        ],
        is_http_request=True,
    )
    writer.write_record(
        writer.create_warc_record(
            fetch.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=request_headers,
            warc_headers_dict={
                "WARC-Record-ID": _record_id(f"{fetch.key}/request"),
                **common,
                "WARC-Concurrent-To": response_id,
            },
        )
    )

    content_type = (
        f"{fetch.content_type}; charset=utf-8" if fetch.content_type.startswith("text/") else fetch.content_type
    )
    headers = [
        ("Date", _http_date(moment)),
        ("Server", "nginx"),
        ("Content-Type", content_type),
        ("Content-Length", str(len(fetch.body))),
    ]
    if fetch.last_modified is not None:
        modified = datetime.combine(fetch.last_modified, datetime.min.time(), tzinfo=UTC)
        headers.append(("Last-Modified", _http_date(modified)))
    headers.append(("Connection", "close"))
    writer.write_record(
        writer.create_warc_record(
            fetch.url,
            "response",
            payload=io.BytesIO(fetch.body),
            length=len(fetch.body),
            http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
            warc_headers_dict={
                "WARC-Record-ID": response_id,
                **common,
                "WARC-IP-Address": _ip_for(parts.hostname or ""),
                "WARC-Identified-Payload-Type": fetch.content_type,
            },
        )
    )

    if fetch.key in _METADATA_FOR:
        fetch_ms = 40 + hashlib.sha1(fetch.key.encode()).digest()[0]
        fields = f"fetchTimeMs: {fetch_ms}\r\ncharset-detected: UTF-8\r\nfetch-status: 200\r\n".encode()
        writer.write_record(
            writer.create_warc_record(
                fetch.url,
                "metadata",
                payload=io.BytesIO(fields),
                length=len(fields),
                warc_headers_dict={
                    "WARC-Record-ID": _record_id(f"{fetch.key}/metadata"),
                    **common,
                    "WARC-Concurrent-To": response_id,
                    "Content-Type": "application/warc-fields",
                },
            )
        )


def _write_jsonl(path: Path, pages: Iterable[Page]) -> None:
    # ensure_ascii=False keeps the CJK and Cyrillic text readable (and the file a third of the size).
    lines = [
        json.dumps(
            {"id": page.id, "url": page.url, "text": page.text, "language_hint": page.language},
            ensure_ascii=False,
        )
        for page in pages
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def build_sample(out_dir: Path) -> tuple[Path, Path]:
    """Write ``crawl.warc.gz`` and ``pages.jsonl`` into ``out_dir`` and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    warc_path = out_dir / WARC_NAME
    jsonl_path = out_dir / JSONL_NAME
    _write_warc(warc_path, _fetches())
    _write_jsonl(jsonl_path, PAGES)
    return warc_path, jsonl_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    for path in build_sample(args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
