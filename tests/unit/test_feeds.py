"""Feed parsing, autodiscovery and sniffing: the dev corpus plus feeds written here."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.core.article_records import Teaser
from newsreader.core.errors import FeedParseError
from newsreader.core.extract.entry_links import html_teasers, merge_feed_teasers
from newsreader.core.parse.feeds import parse_feed, title_marks_paywall
from newsreader.core.parse.feedtext import unique_keys
from newsreader.core.parsed import ParsedEntry, ParsedFeed
from newsreader.core.subscribe.discovery import discover_feeds, looks_like_feed

MOJIBAKE = re.compile("Ã.|Â|â€|\ufffd")
FEED_URL = "https://news.example/feeds/lokales.xml"


def parsed_entry_teasers(entry: ParsedEntry) -> tuple[Teaser, ...]:
    """Every teaser of a parsed entry as the store lists it: its HTML's links, then its own."""
    if entry.html_base is None:
        return entry.teasers
    html = entry.content or entry.summary
    return merge_feed_teasers(html_teasers(html, entry.html_base), list(entry.teasers), entry.url)


def rss(items: str, *, encoding: str = "utf-8", extra_ns: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"{extra_ns}>'
        f"<channel><title>Lokales</title><link>https://news.example/</link>{items}</channel></rss>"
    )


def item(title: str = "Titel", *, link: str = "https://news.example/a.html", more: str = "") -> str:
    return f"<item><title>{title}</title><link>{link}</link>{more}</item>"


def corpus_feed(corpus: Path, name: str) -> ParsedFeed:
    return parse_feed((corpus / "feeds" / name).read_bytes(), url=f"https://corpus.example/{name}")


# --- the dev corpus -------------------------------------------------------------------------


def test_every_corpus_feed_parses_readably(corpus: Path) -> None:
    files = sorted((corpus / "feeds").iterdir())
    assert len(files) >= 12
    for path in files:
        feed = parse_feed(path.read_bytes(), url="https://corpus.example/feed.xml")
        assert feed.title and not MOJIBAKE.search(feed.title), path.name
        assert feed.entries, path.name
        assert feed.warning is None, (path.name, feed.warning)
        keys = [e.key for e in feed.entries]
        assert len(keys) == len(set(keys)), path.name
        for entry in feed.entries:
            assert entry.title and not MOJIBAKE.search(entry.title), (path.name, entry.title)
            assert not MOJIBAKE.search(entry.summary + entry.content), path.name
            if path.name != "newsboat_rss091_1.xml":  # the only fixture without any date
                assert entry.published is not None, (path.name, entry.title)
                assert entry.published.tzinfo is UTC


def test_german_corpus_feeds_keep_their_umlauts(corpus: Path) -> None:
    heise = corpus_feed(corpus, "heise-developer.atom")
    assert "Scrum Day 2016: Bewerbungen für Vorträge und Workshops" in [
        e.title for e in heise.entries
    ]
    bremen = corpus_feed(corpus, "radiobremen.de_podcast_chronik.xml")
    assert bremen.entries[0].title == "7. Juni 1952: Türkischer Nobelpreisträger"


def test_rss091_fixture(corpus: Path) -> None:
    feed = corpus_feed(corpus, "newsboat_rss091_1.xml")
    assert feed.title == "Example Channel"
    assert feed.site_url == "http://example.com/"
    (entry,) = feed.entries
    assert entry.title == "1 < 2"
    assert entry.url == entry.key == "http://example.com/1_less_than_2.html"
    assert entry.published is None and entry.updated is None


def test_rss10_fixture(corpus: Path) -> None:
    feed = corpus_feed(corpus, "newsboat_rss10_1.xml")
    assert feed.title == "Example Dot Org"
    (entry,) = feed.entries
    assert entry.title == "New Status Updates"
    assert entry.url == "http://www.example.org/status/foo"
    assert entry.key == "http://www.example.org/status/"
    assert entry.summary == "News about the Example project"
    assert entry.published == datetime(2008, 12, 30, 7, 20, tzinfo=UTC)


def test_atom10_fixture(corpus: Path) -> None:
    feed = corpus_feed(corpus, "newsboat_atom10_1.xml")
    assert feed.title == "test atom"
    assert [e.title for e in feed.entries] == [
        "A gentle introduction to Atom testing",
        "A missing rel attribute",
        "alternate link isn't first",
    ]
    assert {e.url for e in feed.entries} == {"http://example.com/atom_testing.html"}
    assert [e.author for e in feed.entries] == [
        "A Person",
        "A different Person",
        "Person A, Person B",
    ]
    assert feed.entries[0].published == datetime(2008, 12, 30, 20, 4, 15, tzinfo=UTC)
    assert feed.entries[0].summary == "some content"


def test_items_without_titles_get_titles_from_their_urls(corpus: Path) -> None:
    feed = corpus_feed(corpus, "newsboat_items_without_titles.xml")
    assert [e.title for e in feed.entries] == [
        "A gentle introduction to testing",
        "A missing rel attribute",
        "Alternate link isnt first",
        "A test for htm extension",
        "Alternate link isn't first",
    ]
    # three items reuse one id for different links: each stays its own article
    assert len({e.key for e in feed.entries}) == 5


def test_untitled_item_gets_its_first_sentence(corpus: Path) -> None:
    feed = corpus_feed(corpus, "rss2sample.xml")
    untitled = feed.entries[1]
    assert untitled.title.startswith("Sky watchers in Europe, Asia, and parts of Alaska")
    assert untitled.title.endswith("…") and len(untitled.title) <= 81


def test_mbw_latin1_feed_with_zoneless_dates_and_repeated_guids(corpus: Path) -> None:
    feed = corpus_feed(corpus, "mbw-podcast.de_mbw_audioxml.xml")
    # 20 items, but only two distinct guid+link pairs: repeats are the same article
    assert [e.title for e in feed.entries] == ["Audio1", "Audio2"]
    assert feed.entries[0].published == datetime(2006, 11, 7, 15, 21, 35, tzinfo=UTC)
    assert feed.entries[1].enclosures[0].length == 647168


def test_spiegel_feed_content_and_enclosure(corpus: Path) -> None:
    feed = corpus_feed(corpus, "spiegel-online.rss")
    first = feed.entries[0]
    assert first.title == "Aufstand in Venezuela: Militär stellt sich hinter Präsident Maduro"
    assert first.published == datetime(2019, 1, 23, 22, 29, tzinfo=UTC)
    assert first.content.startswith("<img") and first.summary.startswith("Nicolás Maduro")
    assert first.enclosures[0].type == "image/jpeg"


# --- encodings ------------------------------------------------------------------------------

UMLAUT_ITEMS = item("Bürgermeister eröffnet Straße – „endlich“") + item(
    "Größere Kita für Süd", link="https://news.example/b.html"
)


def test_cp1252_bytes_declared_utf8_read_as_umlauts() -> None:
    feed = parse_feed(rss(UMLAUT_ITEMS).encode("cp1252"), url=FEED_URL)
    assert [e.title for e in feed.entries] == [
        "Bürgermeister eröffnet Straße – „endlich“",
        "Größere Kita für Süd",
    ]


def test_mixed_utf8_and_cp1252_bytes_keep_both() -> None:
    good = rss(item("Grüße aus Köln")).encode("utf-8")
    stray = item("Für Düsseldorf", link="https://news.example/c.html").encode("cp1252")
    body = good.replace(b"</channel>", stray + b"</channel>")
    feed = parse_feed(body, url=FEED_URL)
    assert [e.title for e in feed.entries] == ["Grüße aus Köln", "Für Düsseldorf"]


def test_declared_latin1_feed_gives_umlauts() -> None:
    body = rss(
        UMLAUT_ITEMS.replace("–", "-").replace("„", '"').replace("“", '"'), encoding="ISO-8859-1"
    )
    feed = parse_feed(body.encode("latin-1"), url=FEED_URL)
    assert feed.entries[0].title == 'Bürgermeister eröffnet Straße - "endlich"'


def test_utf8_bytes_win_over_a_wrong_http_charset() -> None:
    headers = {"Content-Type": "text/xml; charset=ISO-8859-1"}
    feed = parse_feed(rss(UMLAUT_ITEMS).encode("utf-8"), url=FEED_URL, headers=headers)
    assert feed.entries[1].title == "Größere Kita für Süd"


@pytest.mark.parametrize("declaration", ["<?xml version='1.0'?>", ""])
@pytest.mark.parametrize("kind", ["application/rss+xml", "text/xml"])
def test_the_servers_charset_reads_a_feed_that_declares_none(declaration: str, kind: str) -> None:
    """A feed in windows-1251 that said so in its Content-Type alone came out as mojibake:
    without an encoding in the XML declaration the bytes were taken for UTF-8, then cp1252
    (a helper's review)."""
    body = (declaration + rss(item("Новости города")).split("?>", 1)[1]).encode("cp1251")
    headers = {"Content-Type": f"{kind}; charset=windows-1251"}
    feed = parse_feed(body, url=FEED_URL, headers=headers)
    assert feed.entries[0].title == "Новости города"


def test_double_encoded_utf8_is_repaired() -> None:
    mangled = "Größere Kita für Süd".encode().decode("cp1252")
    assert MOJIBAKE.search(mangled)
    feed = parse_feed(rss(item(mangled)).encode("utf-8"), url=FEED_URL)
    assert feed.entries[0].title == "Größere Kita für Süd"


# --- links, teasers, enclosures --------------------------------------------------------------

ATOM_BASE = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/lokales/">
<title>Lokales</title><link href="/"/><id>urn:feed</id>
<entry xml:base="duisburg/">
  <id>urn:1</id><title>Neue Brücke</title><updated>2025-06-01T10:00:00+02:00</updated>
  <link href="bruecke.html"/>
  <link rel="related" href="../stau.html" title="Stau vor der Brücke"/>
  <link rel="related" href="https://other.example/k.html" title="Kommentar"/>
  <content type="html" xml:base="https://news.example/archiv/">
    &lt;p&gt;Text mit &lt;a href="alt.html"&gt;Vorgeschichte&lt;/a&gt; und
    &lt;a href="/lokales/stau.html"&gt;Stau-Bericht&lt;/a&gt;.&lt;/p&gt;
  </content>
</entry>
</feed>"""


def test_xml_base_resolves_entry_and_inline_links() -> None:
    (entry,) = parse_feed(ATOM_BASE.encode(), url=FEED_URL).entries
    assert entry.url == "https://news.example/lokales/duisburg/bruecke.html"
    assert [(t.url, t.title) for t in parsed_entry_teasers(entry)] == [
        ("https://news.example/archiv/alt.html", "Vorgeschichte"),
        ("https://news.example/lokales/stau.html", "Stau-Bericht"),
        # the related link to stau.html is a duplicate of an inline one and is dropped
        ("https://other.example/k.html", "Kommentar"),
    ]
    assert {t.kind for t in parsed_entry_teasers(entry)} == {"feed"}
    assert entry.published == datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def test_related_links_become_teasers_after_inline_links() -> None:
    body = ATOM_BASE.replace("&lt;a href", "&lt;span data-href").replace("/a&gt;", "/span&gt;")
    (entry,) = parse_feed(body.encode(), url=FEED_URL).entries
    assert [(t.url, t.title) for t in parsed_entry_teasers(entry)] == [
        ("https://news.example/lokales/stau.html", "Stau vor der Brücke"),
        ("https://other.example/k.html", "Kommentar"),
    ]


def test_rss_relative_links_resolve_against_the_feed_url() -> None:
    more = (
        '<description>&lt;a href="weiter.html"&gt;Weiter&lt;/a&gt;</description>'
        '<enclosure url="/media/a.mp3" type="audio/mpeg" length="1234"/>'
    )
    (entry,) = parse_feed(
        rss(item(link="/lokales/a.html", more=more)).encode(), url=FEED_URL
    ).entries
    assert entry.url == "https://news.example/lokales/a.html"
    assert parsed_entry_teasers(entry)[0].url == "https://news.example/feeds/weiter.html"
    assert entry.enclosures[0].url == "https://news.example/media/a.mp3"


def test_teaser_filtering() -> None:
    html = (
        '<p><a href="https://news.example/a.html#top">self link</a>'
        '<a href="mailto:redaktion@news.example">Mail</a>'
        '<a href="javascript:alert(1)">Klick</a>'
        '<a href="https://www.facebook.com/sharer/sharer.php?u=x">Teilen</a>'
        '<a href="https://twitter.com/intent/tweet?url=x">Tweet</a>'
        '<a href="https://wa.me/?text=x">WhatsApp</a>'
        '<a href="https://news.example/galerie"><img src="g.jpg" alt="Bilder vom Fest"></a>'
        '<a href="https://news.example/lokales/neue-kita-in-hochfeld-123.html">'
        '<img src="k.jpg"></a>'
        '<a href="https://news.example/x.gif"><img src="x.gif"></a>'
        '<a href="https://news.example/b.html">Zweiter Artikel</a>'
        '<a href="https://news.example/b.html">noch einmal</a>'
        '<a href="https://www.facebook.com/stadt.duisburg">Stadt auf Facebook</a></p>'
    )
    more = f"<content:encoded><![CDATA[{html}]]></content:encoded>"
    (entry,) = parse_feed(rss(item(more=more)).encode(), url=FEED_URL).entries
    assert [(t.url, t.title) for t in parsed_entry_teasers(entry)] == [
        ("https://news.example/galerie", "Bilder vom Fest"),
        ("https://news.example/lokales/neue-kita-in-hochfeld-123.html", "Neue kita in hochfeld"),
        ("https://news.example/b.html", "Zweiter Artikel"),
        ("https://www.facebook.com/stadt.duisburg", "Stadt auf Facebook"),
    ]
    # content:encoded with no description: one copy, in summary
    assert entry.summary == html and entry.content == ""


def test_enclosures_keep_type_and_integer_length() -> None:
    more = (
        '<enclosure url="https://cdn.example/a.mp3" type="audio/mpeg" length="1234"/>'
        '<enclosure url="https://cdn.example/b.jpg" type="image/jpeg" length="unknown"/>'
        '<enclosure url="ftp://cdn.example/c.mp3" type="audio/mpeg" length="1"/>'
    )
    (entry,) = parse_feed(rss(item(more=more)).encode(), url=FEED_URL).entries
    assert [(e.url, e.type, e.length) for e in entry.enclosures] == [
        ("https://cdn.example/a.mp3", "audio/mpeg", 1234),
        ("https://cdn.example/b.jpg", "image/jpeg", None),
    ]


def test_author_categories_and_html_title() -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:f</id>
    <entry><id>urn:e</id><title type="html">Rat &lt;b&gt;stimmt&lt;/b&gt; zu</title>
    <author><name>Anna Schmidt</name></author><category term="Duisburg"/><category term="Politik"/>
    <link href="https://news.example/e.html"/><updated>2025-01-02T03:04:05Z</updated></entry></feed>"""
    (entry,) = parse_feed(atom.encode(), url=FEED_URL).entries
    assert entry.title == "Rat stimmt zu"
    assert entry.author == "Anna Schmidt"
    assert entry.categories == ("Duisburg", "Politik")


# --- paywall --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["RP+ Duisburg: Neue Brücke", "F+ Wie die Stadt spart", "WAZ+ Kita-Streit", "SZ Plus",
     "Plus: Was der Rat plant", "[Abo] Der große Report", "Stadtgeschichte (Plus)", "Plus",
     "Abo", "Innenstadt | Plus"],
)  # fmt: skip
def test_title_marks_paywall(text: str) -> None:
    assert title_marks_paywall(text)


@pytest.mark.parametrize(
    "text",
    ["Pluspunkt für die Innenstadt", "Surplus im Haushalt", "C++ lernen an der VHS",
     "Ein Plus von drei Prozent", "Abonnement wird teurer", "Abo-Falle: Polizei warnt",
     "Disney Plus startet neue Serie", "Lokales"],
)  # fmt: skip
def test_ordinary_titles_are_not_paywalled(text: str) -> None:
    assert not title_marks_paywall(text)


def test_paywall_from_content_tier_title_and_category() -> None:
    items = (
        item("Frei", link="https://n.example/1", more="<content_tier>free</content_tier>")
        + item("Gesperrt", link="https://n.example/2", more="<content_tier>locked</content_tier>")
        + item("Gezählt", link="https://n.example/3", more="<content_tier>metered</content_tier>")
        + item("RP+ Neue Brücke", link="https://n.example/4")
        + item("Kategorie", link="https://n.example/5", more="<category>Plus</category>")
        + item("Pluspunkt", link="https://n.example/6", more="<category>Lokales</category>")
    )
    feed = parse_feed(rss(items).encode(), url=FEED_URL)
    assert [e.paywalled for e in feed.entries] == [False, True, True, True, True, False]


# --- dates and keys -------------------------------------------------------------------------


def test_dates_are_utc_and_absurd_dates_dropped() -> None:
    items = (
        item(link="https://n.example/1", more="<pubDate>Mon, 02 Jun 2025 10:00:00 +0200</pubDate>")
        + item(link="https://n.example/2", more="<pubDate>Mon, 01 Jan 1900 00:00:00 GMT</pubDate>")
        + item(link="https://n.example/3", more="<pubDate>Sat, 01 Jan 2150 00:00:00 GMT</pubDate>")
        + item(link="https://n.example/4", more="<pubDate>gestern</pubDate>")
        + item(link="https://n.example/5")
    )
    feed = parse_feed(rss(items).encode(), url=FEED_URL)
    assert feed.entries[0].published == datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    assert [e.published for e in feed.entries[1:]] == [None, None, None, None]


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 31 Dec 9999 23:59:00 -0001",  # UTC is past datetime's last day
        "Fri, 31 Dec 9999 23:59 EST",
    ],
)
@pytest.mark.parametrize("well_formed", [True, False], ids=["fast path", "feedparser"])
def test_a_date_beyond_datetimes_range_is_dropped_not_the_feed(
    date: str, well_formed: bool
) -> None:
    """Neither date parser reads these; the last try (email.utils, fromisoformat) reads a
    moment UTC cannot hold. One such item must not sink its feed (and the worker's batch)."""
    items = item(link="https://n.example/1", more=f"<pubDate>{date}</pubDate>") + item(
        "Rat &amp; Tat" if well_formed else "Rat & Tat", link="https://n.example/2"
    )
    feed = parse_feed(rss(items).encode(), url=FEED_URL)
    assert [(e.url, e.published) for e in feed.entries] == [
        ("https://n.example/1", None),
        ("https://n.example/2", None),
    ]


def test_key_falls_back_from_guid_to_link_to_enclosure_to_hash() -> None:
    items = (
        "<item><guid>urn:uuid:g-1</guid><title>A</title><link>https://n.example/a</link></item>"
        "<item><title>B</title><link>https://n.example/b</link></item>"
        '<item><title>C</title><enclosure url="https://n.example/c.mp3" type="audio/mpeg"/></item>'
        "<item><title>D</title><pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate></item>"
        "<item><title>E</title></item>"
    )
    keys = [e.key for e in parse_feed(rss(items).encode(), url=FEED_URL).entries]
    assert keys[:3] == ["urn:uuid:g-1", "https://n.example/b", "https://n.example/c.mp3"]
    assert keys[3].startswith("sha1:") and keys[4].startswith("sha1:") and keys[3] != keys[4]
    again = [e.key for e in parse_feed(rss(items).encode(), url=FEED_URL).entries]
    assert again == keys


def test_a_repeated_guid_is_one_entry_and_one_reused_for_other_links_is_told_apart() -> None:
    def entry(key: str, url: str | None, title: str) -> ParsedEntry:
        return ParsedEntry(key=key, title=title, url=url)

    entries = [
        entry("a", "https://n.example/1", "first"),
        entry("a", "https://n.example/1", "the same again"),
        entry("b", "https://n.example/2", "other"),
        entry("a", "https://n.example/3", "reused"),
        entry("a", "https://n.example/1", "first once more"),
        entry("a", "https://n.example/3", "reused again"),
        entry("c", None, "no link"),
        entry("c", None, "no link again"),
    ]
    assert [(e.key, e.title) for e in unique_keys(iter(entries))] == [
        ("a https://n.example/1", "first"),
        ("b", "other"),
        ("a https://n.example/3", "reused"),
        ("c", "no link"),
    ]
    assert unique_keys(iter(entries[2:3])) == (entries[2],)


# --- malformed and non-feeds ----------------------------------------------------------------


def test_truncated_feed_keeps_the_items_before_the_break() -> None:
    items = "".join(item(f"Meldung {n}", link=f"https://n.example/{n}") for n in range(3))
    body = rss(items).encode()
    cut = body.index(b"<item><title>Meldung 2") + 20
    feed = parse_feed(body[:cut], url=FEED_URL)
    assert [e.title for e in feed.entries][:2] == ["Meldung 0", "Meldung 1"]
    assert feed.warning and feed.warning.startswith("malformed feed")
    assert "\n" not in feed.warning


def test_empty_valid_feed_has_no_entries_and_no_warning() -> None:
    feed = parse_feed(rss("").encode(), url=FEED_URL)
    assert feed.entries == () and feed.warning is None and feed.title == "Lokales"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html><head><title>Stadt</title></head><body><p>Hallo</p></body></html>",
         "HTML page"),
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\xfe garbage \xff", "not a feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "JSON"),
        (b"<?xml version='1.0'?><config><x/></config>", "not a feed"),
    ],
)  # fmt: skip
def test_non_feeds_raise_one_clear_line(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message) as info:
        parse_feed(body, url=FEED_URL, headers={"content-type": "text/html"})
    assert "\n" not in str(info.value)


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        + rss(item("a &x; b")).split("?>", 1)[1]
    )
    feed = parse_feed(body.encode(), url=FEED_URL)
    assert all("TOPSECRET" not in e.title for e in feed.entries)


# --- discovery and sniffing -----------------------------------------------------------------


def test_discover_feeds_in_document_order() -> None:
    html = b"""<!doctype html><html><head><title>Stadt</title>
    <link rel="stylesheet" href="/s.css">
    <link rel="alternate" type="application/rss+xml" title="Alle Nachrichten" href="/rss/alle.xml">
    <link rel="alternate" type="application/atom+xml" title="Lokales" href="lokales.atom">
    <link rel="alternate" hreflang="en" href="/en/">
    <link rel="Alternate" type="application/rss+xml; charset=utf-8" title=" Polizei " href="https://polizei.example/feed">
    <link rel="alternate" type="application/rss+xml" title="doppelt" href="/rss/alle.xml">
    <link rel="alternate" type="application/feed+json" title="JSON" href="/feed.json">
    <link rel="alternate" type="application/rss+xml" title="bad" href="javascript:alert(1)">
    </head><body><link rel="alternate" type="application/rss+xml" href="/body.xml"></body></html>"""
    found = discover_feeds(html, base_url="https://stadt.example/news/index.html")
    assert found == [
        ("https://stadt.example/rss/alle.xml", "Alle Nachrichten"),
        ("https://stadt.example/news/lokales.atom", "Lokales"),
        ("https://polizei.example/feed", "Polizei"),
        ("https://stadt.example/feed.json", "JSON"),
        ("https://stadt.example/body.xml", ""),
    ]


def test_discover_feeds_honours_base_href_and_survives_junk() -> None:
    html = (
        b'<html><head><base href="https://cdn.example/x/">'
        b'<link rel="alternate" type="application/atom+xml" href="a.xml"></head></html>'
    )
    assert discover_feeds(html, base_url="https://stadt.example/") == [
        ("https://cdn.example/x/a.xml", "")
    ]
    assert discover_feeds(b"", base_url="https://stadt.example/") == []
    assert discover_feeds(b"\x00\xff<<<", base_url="https://stadt.example/") == []


def test_looks_like_feed() -> None:
    assert looks_like_feed(rss("").encode(), "text/html")
    assert looks_like_feed(ATOM_BASE.encode(), None)
    assert looks_like_feed(b"\xef\xbb\xbf<?xml version='1.0'?><!-- x --><rdf:RDF/>", None)
    assert not looks_like_feed(
        b"<!DOCTYPE html><html><body>rss</body></html>", "application/rss+xml"
    )
    assert not looks_like_feed(b'{"items": []}', "application/json")
    assert looks_like_feed(b"", "application/atom+xml")
    assert not looks_like_feed(b"", "text/plain")


def test_a_malformed_feed_s_warning_reads_as_a_sentence() -> None:
    """It said "<unknown>:1:91: not well-formed (invalid token); kept 1 entries" (a helper's
    tour): the parser's own place prefix repeated the line, and the count was not in number."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
    one = b"<item><title>Eins</title><link>http://a.example/1</link></item>"
    parsed = parse_feed(head + one + b"<</channel></rss>", url="http://a.example/feed")
    assert len(parsed.entries) == 1
    assert (
        parsed.warning == "malformed feed at line 1: not well-formed (invalid token); kept 1 entry"
    )
    two = one + b"<item><title>Zwei < drei</title></item></channel></rss>"
    parsed = parse_feed(head + two, url="http://a.example/feed")
    assert len(parsed.entries) == 2 and parsed.warning is not None
    assert parsed.warning.endswith("; kept 2 entries")
