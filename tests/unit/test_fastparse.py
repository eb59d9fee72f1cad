"""The lxml fast path must give feedparser's ParsedFeed, or step aside (None).

feedparser with the fast path switched off (`feeds._parse_with_feedparser`) is the judge: on
every corpus feed, on hand-written feeds for each rule the fast path replays, and on feeds
hypothesis writes from the same parts in any order.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import feedparser
import pytest
from feedparser.urls import _urljoin
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsreader.core.parse import fastparse, feeds
from newsreader.core.parse.fastparse import fast_parse
from newsreader.core.parse.feedtext import feedparser_resolve, parse_duration
from newsreader.core.parsed import ParsedFeed

FEED_URL = "https://news.example/feeds/lokales.xml"
NS = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns:x="urn:example:x"'
)
# Corpus feeds the fast path has to take itself, not hand to feedparser.
CORPUS_FAST = {
    "spiegel-online.rss",
    "heise-developer.atom",
    "rss2sample.xml",
    "radiobremen.de_podcast_chronik.xml",
    "mbw-podcast.de_mbw_audioxml.xml",
    "podcast.heute.de_journal-audio.xml",
}


def assert_same(fast: ParsedFeed | None, slow: ParsedFeed, name: str) -> None:
    """Field by field, so a failure names the field that differs."""
    assert fast is not None, f"{name}: the fast path declined"
    assert (fast.title, fast.site_url, fast.warning) == (slow.title, slow.site_url, slow.warning)
    assert len(fast.entries) == len(slow.entries), name
    for index, (mine, theirs) in enumerate(zip(fast.entries, slow.entries, strict=True)):
        for field in mine.__slots__:
            assert getattr(mine, field) == getattr(theirs, field), (name, index, field)
    assert fast == slow


def agree(body: bytes, name: str, headers: dict[str, str] | None = None) -> ParsedFeed | None:
    """The fast result when there is one; fails unless it equals feedparser's."""
    slow = feeds._parse_with_feedparser(body, url=FEED_URL, headers=headers)
    fast = feeds._fast_path(body, url=FEED_URL, headers=headers)
    if fast is not None:
        assert_same(fast, slow, name)
    # The same feed read as a big one is (item by item, as each ends): the same answer.
    assert streamed(body, headers) == fast, name
    assert feeds.parse_feed(body, url=FEED_URL, headers=headers) == slow
    return fast


def streamed(body: bytes, headers: dict[str, str] | None = None) -> ParsedFeed | None:
    """The fast path as it reads feeds of a megabyte and more, whatever the size of `body`."""
    threshold = fastparse._STREAM_FROM
    fastparse._STREAM_FROM = 0
    try:
        return feeds._fast_path(body, url=FEED_URL, headers=headers)
    finally:
        fastparse._STREAM_FROM = threshold


def rss(channel: str, items: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" {NS}><channel>{channel}'
        f"{items}</channel></rss>"
    ).encode()


def atom(head: str, entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"{head}{entries}</feed>"
    ).encode()


# --- the corpus -----------------------------------------------------------------------------


def test_corpus_feeds_agree_and_the_common_ones_take_the_fast_path(corpus: Path) -> None:
    taken = set()
    for path in sorted((corpus / "feeds").iterdir()):
        body = path.read_bytes()
        if body[:2] == b"\x1f\x8b":  # some fixtures are stored gzip-compressed
            body = gzip.decompress(body)
        if agree(body, path.name) is not None:
            taken.add(path.name)
    assert taken >= CORPUS_FAST


# --- hand-written feeds ----------------------------------------------------------------------

WORDS = str.split(
    "Bürgermeister Straße Rathaus Schüler Grundschule Feuerwehr Einsatz Polizei Brücke Umleitung "
    "Gemeinderat Haushalt Förderung Innenstadt Marktplatz Fußgänger Verein Mannschaft Kreistag "
    "Öffnungszeiten Übernahme Ärger Köln Düsseldorf Münster Göttingen und der die das mit für"
)


def farm_feed(seed: int = 7) -> bytes:
    """Like the benchmark farm: ~120 KB of RSS 2.0, 35 items with 2-8 KB content:encoded."""
    rng = random.Random(seed)
    site = "https://www.muensterer-zeitung.de"

    def sentence() -> str:
        return " ".join(rng.choices(WORDS, k=rng.randint(6, 18))).capitalize() + "."

    def link() -> str:
        href = rng.choice(
            (
                f"{site}/lokales/{'-'.join(rng.choices(WORDS, k=3)).lower()}-{i}{len(body)}.html",
                f"/sport/{rng.randint(1, 999)}.html",
                f"https://www.facebook.com/sharer/sharer.php?u={site}/x",
                f"https://www.koeln.de/rathaus/info?id={rng.randint(1, 99)}&amp;p=2",
            )
        )
        return f'<a href="{href}">{" ".join(rng.choices(WORDS, k=2))}</a>'

    items = []
    for i in range(35):
        body: list[str] = []
        while sum(map(len, body)) < 2000 + int(5800 * rng.random() ** 10):
            body.append(f"<p>{sentence()} {link() if rng.random() < 0.6 else ''} {sentence()}</p>")
        url = f"{site}/lokales/meldung-{i:04d}.html"
        enclosure = f'<enclosure url="{site}/b/{i}.jpg" type="image/jpeg" length="{i}"/>'
        items.append(
            f"<item><title>{sentence()[:80]}</title><link>{url}</link>"
            f'<guid isPermaLink="true">{url}</guid>'
            f"<pubDate>Fri, {i % 28 + 1:02d} Nov 2026 08:{i:02d}:00 GMT</pubDate>"
            f"<dc:creator>{' '.join(rng.choices(WORDS, k=2))}</dc:creator>"
            f"<category>Lokales</category><category>{rng.choice(WORDS)}</category>"
            f"<description>{sentence()}</description>"
            f"<content:encoded><![CDATA[{''.join(body)}]]></content:encoded>"
            f"{enclosure if i % 3 == 0 else ''}</item>\n"
        )
    head = f"<title>Münsterer Zeitung: Lokales</title><link>{site}/</link>"
    return rss(head, "".join(items))


FAST_CASES = {
    "farm": farm_feed(),
    "atom": atom(
        '<title type="html">Lokales &amp;amp; Region</title><id>urn:feed</id>'
        '<link rel="self" href="https://news.example/atom.xml"/><link href="/lokales/"/>'
        "<updated>2025-06-01T10:00:00+02:00</updated>",
        "<entry><title type='html'>Rat &lt;b&gt;stimmt&lt;/b&gt; zu</title>"
        "<id>urn:uuid:1</id><link rel='alternate' type='text/html' href='/artikel/1.html'/>"
        "<link rel='related' href='https://other.example/k.html' title=' Kommentar '/>"
        "<link rel='enclosure' href='/m/1.mp3' type='Audio/MPEG' length='99'/>"
        "<author><name>Anna Schmidt</name><email>anna@news.example</email></author>"
        "<author><name>Bernd</name><uri>/autoren/bernd</uri></author>"
        "<category term='Duisburg'/><category term='Politik' label='P'/>"
        "<published>2025-06-01T10:00:00+02:00</published><updated>2025-06-02T08:00:00Z</updated>"
        "<summary>Kurz: der Rat stimmt zu.</summary>"
        "<content type='html'>&lt;p&gt;Lang, mit &lt;a href='mehr.html'&gt;mehr&lt;/a&gt;."
        "&lt;/p&gt;</content></entry>"
        "<entry><id>https://news.example/artikel/2.html</id><title/>"
        "<content type='text'>Ohne Titel, aber mit Inhalt. Zweiter Satz.</content>"
        "<updated>2025-06-03T10:00:00+02:00</updated></entry>",
    ),
    "german_cdata_entities": rss(
        "<title>Grüße aus Köln &amp; Umgebung</title><link>https://news.example/</link>",
        "<item><title> Straße – „endlich“ &#x201E;frei&#x201C; &#228;rger </title>"
        "<link>https://news.example/a.html</link>"
        "<description><![CDATA[<p>Öffnung am <b>Montag</b> &amp; <a href='/b.html'>mehr</a></p>]]>"
        "</description></item>"
        "<item><title>Ende&#150;Anfang &amp;amp; 1 &lt; 2 &lt;b&gt;fett&lt;/b&gt;</title>"
        "<link>https://news.example/c.html?a=1&amp;amp;b=2&amp;copy;=3</link>"
        "<description>&lt;p&gt;Escaped &amp;uuml; &lt;a href=&quot;d.html&quot;&gt;D&lt;/a&gt;"
        "&lt;/p&gt;</description></item>",
    ),
    "enclosures_categories": rss(
        "<title>Podcast</title><link>https://news.example/</link>"
        "<itunes:category text='News'/><itunes:summary>Über uns</itunes:summary>",
        "<item><title>Folge 1</title><guid>urn:folge:1</guid>"
        "<enclosure url='https://cdn.example/1.mp3' type='Audio/MPEG' length='1234'/>"
        "<enclosure url='/2.jpg' type='image/jpeg' length='unknown'/>"
        "<enclosure url='ftp://cdn.example/3.mp3' length='1'/>"
        "<category domain='https://news.example/cat'>Lokales</category><category>Plus</category>"
        "<category domain='d'></category><category>Sport</category>"
        "<itunes:keywords>Köln, Rat,, Politik</itunes:keywords>"
        "<itunes:category text='Kultur'/><media:category>Bühne</media:category>"
        "<dc:subject>Theater</dc:subject><media:content url='https://cdn.example/v.mp4'/>"
        "<itunes:duration>12:00</itunes:duration><content_tier>metered</content_tier></item>",
    ),
    "no_dates_no_guids_relative_links": rss(
        "<title>Relativ</title><link>/start</link>",
        "<item><link>../a.html</link><description>Nur Text, kein Titel.</description></item>"
        "<item><guid>b.html</guid><description>&lt;a href='x/y.html'&gt;Y&lt;/a&gt;</description>"
        "</item>"
        "<item><guid isPermaLink='false'>intern-42</guid><title>Intern</title></item>"
        "<item><guid isPermaLink='True'>https://news.example/c</guid><title>C</title></item>"
        "<item><title>Leer</title></item>",
    ),
    "element_order": rss(
        "<title>Reihenfolge</title>",
        "<item><content:encoded>&lt;p&gt;Voll&lt;/p&gt;</content:encoded>"
        "<description>Kurz</description><title></title><title>Zweiter</title>"
        "<title>Dritter</title><guid>https://news.example/g</guid>"
        "<link>https://news.example/l</link></item>"
        "<item><description>Eins</description><description>Zwei</description>"
        "<itunes:summary>Drei</itunes:summary><link>https://news.example/2</link></item>"
        "<item><itunes:summary>Podcast</itunes:summary><description>Text</description>"
        "<link>https://news.example/3</link><pubDate>Tue, 07 Nov 2006 15:21:35</pubDate>"
        "<dc:date>2006-11-08T10:00:00+01:00</dc:date></item>",
    ),
    "authors": rss(
        "<title>Autoren</title>",
        "<item><title>A</title><author>redaktion@news.example (Anna Schmidt)</author></item>"
        "<item><title>B</title><author>bernd@news.example</author></item>"
        "<item><title>C</title><dc:creator>Carla</dc:creator><dc:creator>Dora</dc:creator></item>"
        "<item><title>D</title><itunes:author> Eva </itunes:author><author></author></item>",
    ),
    "repairs": rss(
        "<title>Ã„rger im Rathaus</title>",
        "<item><title>GrÃ¶ÃŸere Kita fÃ¼r SÃ¼d</title><link>https://news.example/k</link>"
        "<guid isPermaLink='false'>urn:kÃ¶ln</guid><dc:creator>Ð\u00a0Ð¸Ñ\u0080</dc:creator>"
        "<category>Ã–ffentlich</category><description>\u0096 und \u0093zitiert\u0094</description>"
        "</item>",
    ),
    "channel_extras": rss(
        "<title>Kanal</title><atom:link rel='self' href='https://news.example/rss'/>"
        "<link>https://news.example/home</link><image><url>https://news.example/i.png</url>"
        "<title>Bild</title><link>https://news.example/bild</link></image>"
        "<textInput><title>Suche</title><name>q</name><link>https://news.example/s</link>"
        "</textInput><itunes:owner><itunes:name>O</itunes:name></itunes:owner>"
        "<lastBuildDate>Mon, 02 Jun 2025 10:00:00 +0200</lastBuildDate><x:extra a='1'>x</x:extra>",
        "<item><title>Eins</title><link>https://news.example/1</link><comments>/k</comments>"
        "<x:note>frei</x:note><media:group><media:content url='https://news.example/v'/>"
        "</media:group></item>",
    ),
    "empty_channel": rss("<title>Leer</title><link>https://news.example/</link>"),
    # Durations: itunes:duration for the item, media:content's own attribute per file, audio
    # and video media:content (also in a media:group) as enclosures, images not.
    "podcast_durations": rss(
        "<title>Radio</title><itunes:duration>99</itunes:duration>"
        "<media:content url='https://cdn.example/logo.png' type='image/png'/>",
        "<item><title>Folge</title><link>https://news.example/f1</link>"
        "<enclosure url='https://cdn.example/f1.mp3' type='audio/mpeg' length='1307085'/>"
        "<itunes:duration> 00:02:43 </itunes:duration></item>"
        "<item><title>Video</title><link>https://news.example/v</link>"
        "<media:content url='https://cdn.example/v.mp4' type='video/mp4' duration='125'"
        " fileSize='4096'/><media:content url='https://cdn.example/t.jpg' type='image/jpeg'/>"
        "</item>"
        "<item><title>Gruppe</title><link>https://news.example/g</link>"
        "<enclosure url='https://cdn.example/g.mp4' type='video/mp4'/>"
        "<media:group><media:content url='https://cdn.example/g.mp4' duration='61'/>"
        "<media:content url='https://cdn.example/g.ogg' medium='audio'/></media:group>"
        "<itunes:duration>04:58</itunes:duration></item>"
        "<item><title>Kaputt</title><link>https://news.example/k</link>"
        "<enclosure url='https://cdn.example/k.mp3' type='mp3'/>"
        "<itunes:duration>lang</itunes:duration><itunes:duration>1:00:01</itunes:duration>"
        "</item>",
    ),
}


@pytest.mark.parametrize("name", sorted(FAST_CASES))
def test_fast_path_takes_and_agrees(name: str) -> None:
    assert agree(FAST_CASES[name], name) is not None


def test_ascii_latin1_feed_with_server_charset_takes_the_fast_path() -> None:
    body = rss("<title>K&#246;ln</title>", "<item><title>Stra&#223;e</title></item>")
    body = body.replace(b'encoding="utf-8"', b'encoding="ISO-8859-1"')
    for content_type in ("text/xml", "text/html", "application/rss+xml; charset=iso-8859-1"):
        assert agree(body, content_type, {"Content-Type": content_type}) is not None


def test_repaired_cp1252_bytes_take_the_fast_path() -> None:
    body = rss("<title>Köln</title>", "<item><title>Für Düsseldorf – „neu“</title></item>")
    fast = agree(body.decode().encode("cp1252"), "cp1252")
    assert fast is not None and fast.entries[0].title == "Für Düsseldorf – „neu“"


def test_parse_feed_does_not_call_feedparser_for_a_plain_feed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = feeds._parse_with_feedparser(FAST_CASES["farm"], url=FEED_URL)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("feedparser was called")

    monkeypatch.setattr(feedparser, "parse", refuse)
    assert feeds.parse_feed(FAST_CASES["farm"], url=FEED_URL) == expected
    assert len(expected.entries) == 35


DECLINED_CASES = {
    "rss1_rdf": b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    b' xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel>'
    b"<item><title>I</title><link>https://n.example/i</link></item></rdf:RDF>",
    "doctype_entity": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY ort "K&#246;ln">]>'
    b'<rss version="2.0"><channel><title>&ort;</title><item><title>&ort;</title></item>'
    b"</channel></rss>",
    "xml_base": atom(
        "<title>T</title>",
        '<entry xml:base="https://other.example/x/"><id>urn:1</id><title>E</title>'
        '<link href="a.html"/></entry>',
    ),
    "xhtml_content": atom(
        "<title>T</title>",
        '<entry><id>urn:1</id><title>E</title><content type="xhtml">'
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>Hallo</p></div></content></entry>',
    ),
    "truncated": rss("<title>T</title>", "<item><title>Eins</title></item><item><title>Zw")[:-20],
    "utf16": rss("<title>Köln</title>", "<item><title>Süd</title></item>")
    .decode()
    .replace('encoding="utf-8"', 'encoding="utf-16"')
    .encode("utf-16"),
    "item_source": rss(
        "<title>T</title>",
        "<item><title>E</title><source url='https://q.example/rss'>Quelle</source></item>",
    ),
    "nested_title": rss("<title>T</title>", "<item><x:wrap><title>E</title></x:wrap></item>"),
    "title_with_comment": rss("<title>T</title>", "<item><title>E<!-- x -->F</title></item>"),
    "two_channels": rss("<title>A</title>", "<item><title>E</title></item>").replace(
        b"</rss>", b"<channel><title>B</title></channel></rss>"
    ),
    "element_after_the_channel": rss("<title>A</title>", "<item><title>E</title></item>").replace(
        b"</rss>", b"<x:extra>1</x:extra></rss>"
    ),
    "two_channel_titles": rss("<title>A</title><title>B</title>", "<item><title>E</title></item>"),
    "undeclared_prefix": rss("<title>T</title>", "<item><title>E</title><y:a>1</y:a></item>"),
    "unknown_date_element": rss("<title>T</title>", "<item><date>2025-01-01</date></item>"),
    "duration_nested": rss(
        "<title>T</title>",
        "<item><title>E</title><x:w><itunes:duration>5</itunes:duration></x:w></item>",
    ),
    "media_content_nested": rss(
        "<title>T</title>",
        "<item><title>E</title><x:w><media:content url='https://a.example/v.mp4'/></x:w></item>",
    ),
}


def test_durations_are_read_the_same_by_both_parsers() -> None:
    parsed = agree(FAST_CASES["podcast_durations"], "podcast_durations")
    assert parsed is not None
    got = [
        [(e.url.rsplit("/", 1)[1], e.type, e.length, e.duration) for e in entry.enclosures]
        for entry in parsed.entries
    ]
    assert got == [
        [("f1.mp3", "audio/mpeg", 1307085, 163)],
        [("v.mp4", "video/mp4", 4096, 125)],
        [("g.mp4", "video/mp4", None, 61), ("g.ogg", None, None, 298)],
        [("k.mp3", "mp3", None, 3601)],  # the last itunes:duration counts, as in feedparser
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:02:43", 163),
        ("4:58", 298),
        ("125", 125),
        ("61.5", 61),
        ("1:02:03.250", 3723),
        ("", None),
        ("0", None),
        ("PT2M", None),
        ("1:2:3:4", None),
        ("12 min", None),
    ],
)
def test_parse_duration(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("name", sorted(DECLINED_CASES))
def test_fast_path_declines_what_it_does_not_replay(name: str) -> None:
    body = DECLINED_CASES[name]
    assert feeds._fast_path(body, url=FEED_URL) is None
    assert streamed(body) is None
    assert feeds.parse_feed(body, url=FEED_URL) == feeds._parse_with_feedparser(body, url=FEED_URL)


def test_fast_parse_refuses_non_feeds() -> None:
    assert fast_parse(b"<html><body>kein Feed</body></html>", url=FEED_URL) is None
    assert fast_parse(b"\x00\xff", url=FEED_URL) is None


# --- generated feeds --------------------------------------------------------------------------

TEXT = st.sampled_from(
    [
        "Grüße aus Köln",
        "  viel   Raum  ",
        "",
        "1 &lt; 2",
        "Rat &lt;b&gt;stimmt&lt;/b&gt; zu",
        "A &amp; B &amp;amp; C",
        "&#228;rger &#x201E;x&#x201C;",
        "Ã¤rger",
        "Ende&#150;Anfang",
        '<![CDATA[<p>Hallo <a href="/x.html">Link</a></p>]]>',
        "&lt;p&gt;&lt;a href=&quot;weiter.html&quot;&gt;Weiter&lt;/a&gt;&lt;/p&gt;",
        "Plus: Bericht",
        "RP+ Neu",
        "a\u00a0b ",
    ]
)
URL = st.sampled_from(
    [
        "https://n.example/a.html",
        "/rel/b.html",
        "c.html",
        "https://n.example/q?a=1&amp;b=2",
        "https://n.example/q?a=1&amp;amp;b=2",
        "urn:kÃ¶ln",
        " https://n.example/sp ",
        "HTTP://N.example/Up",
        "https://n.example/x#frag",
        "urn:uuid:1234",
        "",
        "https://n.example/a;p?q",
        "//cdn.example/x",
        "javascript:alert(1)",
        "https://n.example/a?",
    ]
)
DATE = st.sampled_from(
    [
        "Mon, 02 Jun 2025 10:00:00 +0200",
        "Tue, 07 Nov 2006 15:21:35",
        "2025-06-01T10:00:00+02:00",
        "gestern",
        "",
        "Mon, 01 Jan 1900 00:00:00 GMT",
    ]
)
AUTHOR = st.sampled_from(
    ["Anna Schmidt", "redaktion@n.example (Anna Schmidt)", "anna@n.example", "", "  Bernd  "]
)
PERMALINK = st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"'])
REL = st.sampled_from(["related", "alternate", "self", "enclosure"])

RSS_PART = st.one_of(
    st.builds("<title>{}</title>".format, TEXT),
    st.builds("<link>{}</link>".format, URL),
    st.builds("<guid{}>{}</guid>".format, PERMALINK, URL),
    st.builds("<description>{}</description>".format, TEXT),
    st.builds("<content:encoded>{}</content:encoded>".format, TEXT),
    st.builds("<pubDate>{}</pubDate>".format, DATE),
    st.builds("<dc:date>{}</dc:date>".format, DATE),
    st.builds("<category>{}</category>".format, TEXT),
    st.builds("<author>{}</author>".format, AUTHOR),
    st.builds("<dc:creator>{}</dc:creator>".format, AUTHOR),
    st.builds('<enclosure url="{}" type="audio/mpeg" length="12"/>'.format, URL),
    st.builds('<atom:link rel="{}" href="{}" title="Mehr"/>'.format, REL, URL),
    st.builds("<itunes:summary>{}</itunes:summary>".format, TEXT),
    st.builds("<itunes:keywords>{}</itunes:keywords>".format, TEXT),
    st.builds("<content_tier>{}</content_tier>".format, st.sampled_from(["locked", "free"])),
)
ATOM_TYPE = st.sampled_from(["", ' type="text"', ' type="html"'])
ATOM_PART = st.one_of(
    st.builds("<title{}>{}</title>".format, ATOM_TYPE, TEXT),
    st.builds('<link rel="{}" href="{}" title="T"/>'.format, REL, URL),
    st.builds('<link href="{}"/>'.format, URL),
    st.builds("<id>{}</id>".format, URL),
    st.builds("<summary{}>{}</summary>".format, ATOM_TYPE, TEXT),
    st.builds("<content{}>{}</content>".format, ATOM_TYPE, TEXT),
    st.builds("<published>{}</published>".format, DATE),
    st.builds("<updated>{}</updated>".format, DATE),
    st.builds('<category term="{}"/>'.format, st.sampled_from(["Lokales", "", "Plus"])),
    st.builds("<author><name>{}</name><email>a@n.example</email></author>".format, AUTHOR),
    st.builds("<author><name>{}</name></author>".format, AUTHOR),
)
ITEMS = st.lists(st.lists(RSS_PART, max_size=8), min_size=1, max_size=3)
ENTRIES = st.lists(st.lists(ATOM_PART, max_size=8), min_size=1, max_size=3)
GENERATED = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@GENERATED
@given(items=ITEMS, title=TEXT, link=URL)
def test_generated_rss_agrees(items: list[list[str]], title: str, link: str) -> None:
    body = rss(
        f"<title>{title}</title><link>{link}</link>",
        "".join("<item>" + "\n".join(parts) + "</item>" for parts in items),
    )
    agree(body, "generated rss")


@GENERATED
@given(entries=ENTRIES, title=TEXT, link=URL)
def test_generated_atom_agrees(entries: list[list[str]], title: str, link: str) -> None:
    body = atom(
        f"<title>{title}</title><id>urn:feed</id><link href='{link}'/>",
        "".join("<entry>" + "\n".join(parts) + "</entry>" for parts in entries),
    )
    agree(body, "generated atom")


@settings(max_examples=300, deadline=None, derandomize=True)
@example("https://n.example/a;")
@example("https://n.example/a;p?q")
@example("https://n.example/a?")
@example("https://n.example/a#")
@example("https://n.example/a\tb")
@example("https:///n.example/a")
@example("HTTPS://n.example/a")
@example("https://n.example")
@example("https://n.example:8080/a?b=c&d")
@given(
    st.text(alphabet=st.sampled_from("hts:/?#;&=.aZ09%- \t[]@"), max_size=30).map(
        lambda tail: "https://" + tail
    )
    | st.text(max_size=20)
)
def test_resolve_matches_feedparser_urljoin(value: str) -> None:
    for base in (FEED_URL, "http://n.example/f"):
        assert feedparser_resolve(base, value) == _urljoin(base, value)
