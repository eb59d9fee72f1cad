"""OPML import/export: folders and categories become tags, and our export round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsreader.core.errors import FeedParseError
from newsreader.core.subscribe.opml import OpmlFeed, parse_opml, write_opml


def test_corpus_example_opml_folders_become_tags(corpus: Path) -> None:
    feeds = parse_opml((corpus / "opml" / "newsboat_example.opml").read_bytes())
    by_url = {f.url: f for f in feeds}
    assert len(feeds) == 7
    assert by_url["https://example.com/feed.xml"] == OpmlFeed(
        "https://example.com/feed.xml", "example.com website", ()
    )
    assert by_url["https://blogs.example.com/~john/posts.rss"].tags == ("Blogs",)
    # every enclosing folder is a tag; a folder's text wins over its title
    assert by_url["https://blogs.example.com/~mike/.rss"].tags == ("Blogs", "friends")
    assert by_url["https://fred.example.com/writing/index.php?type=rss"].tags == ("eloquent",)
    assert by_url["https://blogs.example.com/~john/posts.rss"].title == "John's musings"


def test_corpus_category_opml(corpus: Path) -> None:
    (feed,) = parse_opml((corpus / "opml" / "newsboat_category.opml").read_bytes())
    assert feed.url == "http://feeds.bbci.co.uk/news/business/rss.xml?edition=int"
    assert feed.title is None  # title="" in the file
    assert feed.tags == ("tag one", "tag_two", "tag/three")


def test_nested_folders_categories_and_duplicates_merge() -> None:
    data = """<?xml version="1.0" encoding="UTF-8"?>
    <opml version="2.0"><head><title>x</title></head><body>
      <outline text="Lokales">
        <outline text="Duisburg">
          <outline type="rss" text="Stadt Duisburg" xmlUrl="https://duisburg.example/rss"
                   category="/Behörden/Stadt, Polizei"/>
        </outline>
      </outline>
      <outline title="Polizei">
        <outline type="rss" text="" xmlURL="https://duisburg.example/rss"/>
        <outline type="rss" text="Nur Titel" xmlUrl="https://polizei.example/feed"/>
      </outline>
      <outline type="link" text="Kein Feed" url="https://page.example/"/>
      <outline type="rss" text="Lokal" xmlUrl="file:///etc/passwd"/>
      <outline type="rss" text="Befehl" xmlUrl="exec:rm -rf ~"/>
    </body></opml>""".encode()
    assert parse_opml(data) == [
        OpmlFeed(
            "https://duisburg.example/rss",
            "Stadt Duisburg",
            ("Lokales", "Duisburg", "Behörden/Stadt", "Polizei"),
        ),
        OpmlFeed("https://polizei.example/feed", "Nur Titel", ("Polizei",)),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "^not an OPML file"),
        (b"<opml><body><outline text='x'></body></opml>", r"not a valid OPML file: .* \(line 1\)"),
        (b"<?xml version='1.0'?><rss version='2.0'/>", "^not an OPML .* a feed, not a list"),
        (b"<html><body>Hallo</body></html>", "^not an OPML file .*: it is <html>$"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b"\xff\xfe garbage", "^not an OPML file"),
        (b"Name,URL\nStadt,http://stadt.example/rss\n", "^not an OPML file"),
    ],
)
def test_malformed_opml_raises_one_clear_line(data: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message) as info:
        parse_opml(data)
    text = str(info.value)
    assert "\n" not in text
    # plain words: none of the XML parser's own vocabulary
    assert not any(word in text for word in ("Start tag", "column", "expected", "Document"))


def test_hostile_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    external = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY e SYSTEM "file://{secret}">]>'
        '<opml><body><outline text="x">&e;<outline xmlUrl="https://a.example/" text="y"/>'
        "</outline></body></opml>"
    ).encode()
    assert parse_opml(external) == [OpmlFeed("https://a.example/", "y", ("x",))]
    lols = '<!ENTITY l0 "lollollollol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE opml [{lols}]><opml><body>'
        '<outline text="&l9;"><outline xmlUrl="https://a.example/" text="y"/></outline>'
        "</body></opml>"
    ).encode()
    with pytest.raises(FeedParseError) as refused:
        parse_opml(bomb)
    # why, in plain words: "it is cut off or broken (line 1)" misled (a helper's tour)
    assert "declares XML entities" in str(refused.value)


def test_round_trip_loses_nothing() -> None:
    feeds = [
        OpmlFeed("https://a.example/rss?x=1&y=2", "Tom & Jerry <Lokales> aus Köln", ()),
        OpmlFeed("https://b.example/feed", None, ()),
        OpmlFeed("https://c.example/atom", "Straßenbahn „Linie 901“", ("Verkehr",)),
        OpmlFeed(
            "https://d.example/rss", "Polizei", ("Lokales", "Blaulicht & Feuer", "Düsseldorf")
        ),
        OpmlFeed("https://e.example/rss", "Rat", ("Lokales", "Politik/Stadtrat")),
        OpmlFeed("https://f.example/rss", "Sport", ("Sport", "Lokales")),
    ]
    text = write_opml(feeds, title="Meine <Abos> & mehr")
    assert text.startswith("<?xml") and 'version="2.0"' in text
    again = parse_opml(text.encode("utf-8"))
    assert sorted(again, key=lambda f: f.url) == sorted(feeds, key=lambda f: f.url)
    assert write_opml(again).split("<dateCreated>")[0] == text.split("<dateCreated>")[0].replace(
        "Meine &lt;Abos&gt; &amp; mehr", "newsreader subscriptions"
    )


def test_export_groups_by_first_tag_and_drops_control_characters() -> None:
    feeds = [
        OpmlFeed("https://a.example/", "A\x00\x1b[31m", ("Lokales",)),
        OpmlFeed("https://b.example/", "B", ()),
        OpmlFeed("https://c.example/", "C", ("Lokales", "Sport")),
    ]
    text = write_opml(feeds)
    assert "\x1b" not in text and "\x00" not in text
    body = text.split("<body>", 1)[1]
    assert body.index("https://b.example/") < body.index('text="Lokales"')
    assert body.index('text="Lokales"') < body.index("https://a.example/")
    assert body.count('text="Lokales"') == 1
    by_url = {f.url: f for f in parse_opml(text.encode())}
    assert by_url["https://a.example/"].title == "A[31m"
    assert by_url["https://c.example/"].tags == ("Lokales", "Sport")


def test_import_takes_other_spellings_of_one_address_as_one_subscription(tmp_path: Path) -> None:
    from newsreader.core.store.store import Store
    from newsreader.core.subscribe.opml import import_opml

    store = Store(tmp_path / "cache.sqlite3")
    store.add_feed("https://example.org/feed.xml", title="Stadtblatt")
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<opml version="2.0"><body>'
        '<outline type="rss" text="A" xmlUrl="HTTPS://Example.org/./feed.xml#neu"/>'
        '<outline type="rss" text="B" xmlUrl="https://example.org:443/b.xml"/>'
        '<outline type="rss" text="B again" xmlUrl="https://EXAMPLE.org/b.xml"/>'
        "</body></opml>"
    )
    done = import_opml(store, opml)
    assert (done.feeds, done.new) == (3, 1)
    assert sorted(f.url for f in store.feeds()) == [
        "https://example.org/b.xml",
        "https://example.org/feed.xml",
    ]
    store.close()


# Tags as an import leaves them: no space at either end or twice, no slash at either end
# (`category` holds slash-delimited paths).
_TAG = st.text(alphabet="abÄß ,/&<", min_size=1, max_size=8).filter(
    lambda t: t == " ".join(t.split()) and t.strip("/") == t
)


@given(st.lists(st.lists(_TAG, max_size=4, unique=True), min_size=1, max_size=5))
def test_any_tags_come_back_from_our_own_export(tag_lists: list[list[str]]) -> None:
    """Property: an export imported again gives each feed its tags, the first one first.
    A tag with a comma was said in `category`, where commas part tags: 'A, B' came back as
    'A, B', 'A' and 'B' (a helper's tour)."""
    feeds = [
        OpmlFeed(f"https://{n}.example/rss", f"Feed {n}", tuple(tags))
        for n, tags in enumerate(tag_lists)
    ]
    again = {f.url: f for f in parse_opml(write_opml(feeds).encode("utf-8"))}
    for feed in feeds:
        back = again[feed.url].tags
        assert sorted(back) == sorted(feed.tags)
        assert back[:1] == feed.tags[:1]
