"""The fast path's shortcuts still give feedparser's answer.

Each shortcut skips work only when a cheap look at the bytes proves the work would change
nothing: RFC 822 dates read without feedparser's chain of date readers, texts left unrepaired
when the feed can hold no character U+0080..U+00BF, a DOCTYPE looked for by lxml instead of in
every byte. feedparser (with the fast path off) stays the judge, as in test_fastparse.py.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import FrozenInstanceError, fields, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from feedparser.datetimes import _parse_date
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsreader.core.parse import cdata, fastparse, fastparse_rules, feeds, feedtext
from newsreader.core.parse.fastparse_rules import utc_fields
from newsreader.core.parsed import ParsedEntry
from tests.unit.test_fastparse import FEED_URL, agree, farm_feed, rss


def parse_date(text: str) -> time.struct_time | None:
    """The struct feedparser's _parse_date gives, made of what the fast path keeps of a date."""
    fields = utc_fields(text)
    # read again: a date of a day read before is read in pieces (fastparse_rules._read_common)
    assert utc_fields(text) == fields
    if fields is None or isinstance(fields, time.struct_time):
        return fields
    return datetime(*fields).utctimetuple()


DAYS = st.sampled_from(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
MONTHS = st.sampled_from(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
)
ZONES = st.sampled_from(["GMT", "UT", "UTC", "Z", "+0100", "-0530", "+1400", "-9999", "+0099"])


@settings(max_examples=400, deadline=None, derandomize=True)
@example("Fri, 20 Nov 2026 08:00:00 GMT")
@example("Sat, 29 Feb 2025 10:00:00 +0100")  # no such day: feedparser's other readers try
@example("Sun, 31 Dec 0001 23:00:00 -0100")  # out of datetime's range once moved to UTC
@example("Mon, 01 Jan 0001 00:30:00 +0100")
@example("Tue, 07 Nov 2006 24:00:00 GMT")
@example("Wed, 1 Jan 2025 10:00:60 GMT")
@example("Thu, 02 Jun 2025 10:00:00 CEST")  # not the common form: feedparser reads it
@example("Mon, 02 Jun 2025 10:00:00 +02:00")
@given(
    st.builds(
        "{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} {}".format,
        DAYS,
        st.integers(0, 39),
        MONTHS,
        st.integers(1, 9999),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        ZONES,
    )
)
def test_parse_date_matches_feedparser(text: str) -> None:
    assert parse_date(text) == _parse_date(text)


@settings(max_examples=400, deadline=None, derandomize=True)
@example("2025-06-01T10:00:00+02:00")
@example("2025-06-01T10:00:00Z")
@example("2025-06-01T10:00:59.9999999999999999Z")  # the fraction rounds up to a 60th second
@example("0001-01-01T00:30:00+01:00")
@example("2025-02-29T10:00:00-05:30")
@given(
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.sampled_from(["", ".5", ".999999", ".0001"]),
        st.sampled_from(["Z", "+02:00", "-05:30", "+14:00", "-99:99", "+0200", "z", ""]),
    )
)
def test_parse_w3dtf_date_matches_feedparser(text: str) -> None:
    assert parse_date(text) == _parse_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "gestern",
        "Tue, 07 Nov 2006 15:21:35",
        "fri, 20 nov 2026",
        "2025-06-01",
        "2025-06-01 10:00",
    ],
)
def test_other_dates_go_to_feedparser(text: str) -> None:
    assert parse_date(text) == _parse_date(text)


# The fast path keeps only the six UTC fields of a date (a struct_time is costly to make);
# feedtext reads no more of feedparser's struct than these.
@pytest.mark.parametrize(
    "text",
    [
        "Fri, 20 Nov 2026 08:00:00 GMT",
        "Sat, 21 Nov 2026 00:30:00 +0100",  # moved back a day
        "Sat, 29 Feb 2025 10:00:00 +0100",
        "Sun, 31 Dec 0001 23:00:00 -0100",
        "Wed, 1 Jan 2025 10:00:60 GMT",
        "Thu, 02 Jun 2025 10:00:00 CEST",
        "2025-06-01T01:00:00+02:00",
        "2025-06-01T10:00:59.9999999999999999Z",
        "2024-12-31T23:30:00-05:30",  # moved into the next year
        "gestern",
    ],
)
def test_utc_fields_are_the_first_six_of_feedparsers_struct(text: str) -> None:
    struct = _parse_date(text)
    fields = utc_fields(text)
    assert (fields if fields is None else tuple(fields[:6])) == (
        struct if struct is None else tuple(struct[:6])
    )


# RFC 822 dates as feeds also write them: without seconds, with a named zone (feedparser knows
# some names; others, CET and CEST among them, it reads as UTC), with no zone at all (which
# none of feedparser's readers reads). utc_fields reads these without loading feedparser.
NAMED_ZONES = st.sampled_from(
    ["", " CET", " CEST", " MEZ", " EST", " est", " pdt", " MEST", " z", " A", " Y", " M", " UT"]
) | st.text(alphabet="AZgmtxe", min_size=1, max_size=5).map(" ".__add__)


def rfc822_dates(
    years: st.SearchStrategy[int], zones: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """Day, date and time as feeds write them, seconds or not, odd values too, then `zones`."""
    return st.builds(
        "{}, {} {} {:04d} {:02d}:{:02d}{}{}".format,
        DAYS,
        st.integers(0, 39).map(str) | st.integers(0, 39).map("{:02d}".format),
        MONTHS,
        years,
        st.integers(0, 25),
        st.integers(0, 61),
        st.sampled_from(["", ":00", ":59", ":61"]),
        zones,
    )


@settings(max_examples=500, deadline=None, derandomize=True)
@example("Tue, 07 Nov 2006 15:21:35")
@example("Tue, 7 Nov 2006 15:21")
@example("Tue, 31 Nov 2006 15:21:35")
@example("Mon, 02 Jun 2025 10:00 +0200")
@example("Thu, 05 Jun 2025 10:00:00 GMTA")  # feedparser reads "A" as the zone
@example("Thu, 05 Jun 2025 23:30:00 Y")
@given(rfc822_dates(st.integers(1, 9999), NAMED_ZONES | ZONES.map(" ".__add__)))
def test_rfc822_dates_without_seconds_or_zone_or_with_a_named_one_match_feedparser(
    text: str,
) -> None:
    assert parse_date(text) == _parse_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tue, 07 Nov 2006 15:21:35",
        "Tue, 7 Nov 2006 15:21",
        "Thu, 05 Jun 2025 10:00:00 CEST",
        "Thu, 05 Jun 2025 10:00:00 EST",
        "Mon, 02 Jun 2025 10:00 +0200",
    ],
)
def test_common_odd_dates_leave_feedparser_alone(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _parse_date(text)

    def refuse(text: str) -> None:
        raise AssertionError("feedparser was asked")

    monkeypatch.setattr(fastparse_rules, "feedparser_date", refuse)
    assert parse_date(text) == expected


def email_reading(text: str) -> datetime | None:
    """The date email.utils reads, as UTC: the judge for a date no feed parser read."""
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None  # (the dates given here are no ISO dates either)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@settings(max_examples=300, deadline=None, derandomize=True)
@example("Tue, 07 Nov 2006 15:21:35")
@example("Tue, 07 Nov 0050 15:21:35")  # email.utils moves a two-digit year
@example("Tue, 07 Nov 2006 24:00:00")
@given(rfc822_dates(st.integers(0, 9999), st.just("")))
def test_zoneless_dates_read_as_email_utils_reads_them(text: str) -> None:
    assert feedtext._loose_date(text) == email_reading(text)


# Texts that feedparser repairs (or might), written so that the feed holds no raw U+0080..U+00BF
# (C2 xx in UTF-8) unless the case says so: the repairs must still happen.
REPAIRED = {
    "decimal_references": "&#195;&#164;rger und Ende&#150;Anfang",  # "Ã¤" -> "ä", cp1252 dash
    "hex_references": "&#xC3;&#x00A4;rger &#x96; &#x0000009F;",
    "raw_c2": "Temperatur 20\u00b0 \u00c3\u00a4",
    "raw_c1": "Ende\u0096Anfang",
    "no_high_characters": "Grüße aus Köln – „heute“ &#8222;x&#8220; &#228; &#xe4;",
    "references_in_an_attribute": "<![CDATA[x]]>",
}


@pytest.mark.parametrize("name", sorted(REPAIRED))
def test_texts_are_repaired_as_feedparser_does(name: str) -> None:
    text = REPAIRED[name]
    link = "https://n.example/a?q=&#xC3;&#xA4;" if name == "references_in_an_attribute" else ""
    body = rss(
        f"<title>{text}</title>",
        f"<item><title>{text}</title><link>https://n.example/{name}</link>"
        f"<description>{text}</description><category>{text}</category>"
        f"<dc:creator>{text}</dc:creator>"
        f'<enclosure url="https://n.example/e.mp3{link}" type="audio/mpeg"/></item>',
    )
    assert agree(body, name) is not None


def test_a_feed_without_high_characters_is_left_unrepaired() -> None:
    plain = rss("<title>Köln</title>", "<item><title>Grüße &#8222;x&#8220;</title></item>")
    assert not fastparse._may_need_repairs(plain)
    for text in ("\u00a0", "&#160;", "&#xA0;", "&#x00bf;", "&#128;", "&#0191;"):
        assert fastparse._may_need_repairs(rss(f"<title>{text}</title>")), text
    for text in ("&#192;", "&#127;", "&#xC0;", "&#x7F;", "&#1280;"):
        assert not fastparse._may_need_repairs(rss(f"<title>{text}</title>")), text


def test_doctype_text_inside_content_takes_the_fast_path() -> None:
    """Only a real DOCTYPE (before the root) turns the fast path down, not the word in text."""
    body = rss(
        "<title>T</title>",
        "<item><title>E</title><link>https://n.example/e</link>"
        "<content:encoded><![CDATA[<!DOCTYPE html><p>Seite</p><!ENTITY x 'y'>]]>"
        "</content:encoded><description>&lt;!DOCTYPE html&gt;</description></item>",
    )
    assert agree(body, "doctype in text") is not None


def test_a_doctype_before_the_root_still_turns_the_fast_path_down() -> None:
    for doctype in (
        "<!DOCTYPE rss>",
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
        "<!-- <b> --><!DOCTYPE rss [<!ENTITY ort 'Köln'>]>",
    ):
        body = rss("<title>T</title>", "<item><title>E</title></item>").replace(
            b"\n<rss", f"\n{doctype}<rss".encode()
        )
        assert feeds._fast_path(body, url=FEED_URL) is None, doctype
        assert feeds.parse_feed(body, url=FEED_URL) == feeds._parse_with_feedparser(
            body, url=FEED_URL
        )


# CDATA sections lifted out of the bytes before lxml reads them (core/parse/cdata.py): the
# fast path must read the same with and without lifting, and agree with feedparser.
CDATA_CASES = {
    "plain": "<description><![CDATA[<p>Grüße <a href='/x'>mehr</a></p>]]></description>",
    "mixed": "<description>vor <![CDATA[<b>fett</b>]]> nach<![CDATA[ & ]]>&amp;</description>",
    "line_ends": "<description><![CDATA[eins\r\nzwei\rdrei\n]]></description>",
    "empty": "<description><![CDATA[]]></description><title><![CDATA[ ]]>T</title>",
    "brackets": "<description><![CDATA[a]] ]> ]]]]><![CDATA[>b <![CDATA[c]]></description>",
    "author_tail": "<author><name>A</name><![CDATA[ tail ]]></author><dc:creator><![CDATA[B]]>"
    "</dc:creator>",
    "in_link_and_guid": "<link><![CDATA[https://n.example/c?a=1&b=2]]></link>"
    "<guid><![CDATA[urn:x:1]]></guid>",
    "digits_and_marks": "<description><![CDATA[0 1 2 ]]>3<![CDATA[ 4]]></description>",
    "comment_before": "<!-- x --><description><![CDATA[a]]></description>",
    "comment_holding_an_opener": "<!-- <![CDATA[ --><category>X</category><!-- ]]> -->",
    "pi_holding_an_opener": "<?x <![CDATA[ ?><category>X</category><?y ]]> ?>",
    "control_character": "<description><![CDATA[a\x0bb]]></description>",
    "noncharacter": "<description><![CDATA[a\uffffb]]></description>",
    "delete_character": "<description><![CDATA[a\x7f0\x7fb]]></description>",
    "unclosed": "<description><![CDATA[a</description>",
    "in_an_attribute": '<enclosure url="<![CDATA[x]]>" type="audio/mpeg"/>',
    "c1_and_mojibake": "<description><![CDATA[\u0096 GrÃ¶ÃŸe]]></description>",
}


@pytest.mark.parametrize("name", sorted(CDATA_CASES))
def test_lifted_cdata_reads_as_lxml_reads_it(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body = rss(
        "<title><![CDATA[Kanal <i>eins</i>]]></title>",
        f"<item><title>E</title><link>https://n.example/e</link>{CDATA_CASES[name]}</item>",
    )
    lifted = feeds._fast_path(body, url=FEED_URL)
    agree(body, name)
    monkeypatch.setattr(fastparse, "lift", lambda body: None)
    assert feeds._fast_path(body, url=FEED_URL) == lifted


def test_lift_steps_aside_where_lxml_might_read_otherwise() -> None:
    head = b'<?xml version="1.0"?><rss><channel><title><![CDATA[x]]></title>'
    assert cdata.lift(head + b"</channel></rss>") is not None
    assert cdata.lift(b"\xef\xbb\xbf" + head + b"</channel></rss>") is not None
    for tail in (b"<!-- c -->", b"<?pi x?>", b"\x7f", b"\x01", b"\xef\xbf\xbe"):
        assert cdata.lift(head + tail + b"<x><![CDATA[y]]></x></channel></rss>") is None, tail
    assert cdata.lift(head + b"<x><![CDATA[y</x></channel></rss>") is None  # never closed
    assert cdata.lift(b"<rss><channel><title>no sections</title></channel></rss>") is None
    assert cdata.lift(b" " + head) is None  # a declaration not at the start


# DEL written as a character reference reads as the token's mark: a feed must not be able to
# forge a token (pull another section's text into a title) or make the fast path crash.
FORGED_MARKS = {
    "forged_token": "<title>&#127;0&#127;</title>",
    "forged_hex_token": "<title>&#x7F;0&#x7f;</title>",
    "forged_unknown_number": "<title>&#x7f;9&#x7f;</title>",
    "forged_not_a_number": "<title>a&#0127;b&#127;c</title>",
    "lone_mark": "<title>a&#x007f;b</title>",
}


@pytest.mark.parametrize("name", sorted(FORGED_MARKS))
def test_a_mark_written_as_a_reference_cannot_forge_a_token(name: str) -> None:
    body = rss(
        "<title>K</title>",
        f"<item><link>https://n.example/e</link>{FORGED_MARKS[name]}"
        "<description><![CDATA[geheim]]></description></item>",
    )
    agree(body, name)


_RSS_ECHT = (
    '<rss version="2.0"><channel><title>Echt</title><item><title>Echt</title>'
    "<link>https://n.example/echt</link></item></channel></rss>"
)
_RSS_FALSCH = _RSS_ECHT.replace("Echt", "Falsch").replace("echt", "falsch")
# A processing instruction first whose target only starts with "xml" (xml-stylesheet) is not
# the XML declaration: a "<![CDATA[" in it opens no section. Lifted from there to the first
# "]]>", an ill-formed feed read well-formed: without feedparser's warning, and without the
# items before that "]]>".
PI_FIRST = {
    "junk_before_the_root": '<?xml-stylesheet href="<![CDATA["?>junk]]>?>' + _RSS_ECHT,
    "a_second_root": '<?xml-stylesheet href="<![CDATA["?>' + _RSS_ECHT + "]]>?>" + _RSS_FALSCH,
}


@pytest.mark.parametrize("name", sorted(PI_FIRST))
def test_a_stylesheet_first_is_not_taken_for_the_xml_declaration(name: str) -> None:
    body = PI_FIRST[name].encode()
    assert cdata.lift(body) is None
    agree(body, name)


# Bytes that are not UTF-8 in a feed declared UTF-8: lxml (or the CDATA lifting) must turn the
# bytes down as they are, so that they are repaired (each stray byte read as cp1252) first.
NOT_UTF8 = {
    "cp1252": b"\xfcber \x93neu\x94",
    "overlong": b"\xc0\xaf \xe0\x80\xaf",
    "surrogate": b"\xed\xa0\x80",
    "too_high": b"\xf4\x90\x80\x80 \xf8\x88\x80\x80\x80",
    "truncated": b"\xe2\x82",
    "lone_continuation": b"\x80\xbf",
}
PLACES = {
    "text": b"<title>%s</title>",
    "cdata": b"<description><![CDATA[%s]]></description>",
    "attribute": b'<enclosure url="https://n.example/%s.mp3" type="audio/mpeg"/>',
    "comment": b"<!-- %s --><title>T</title>",
}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("name", sorted(NOT_UTF8))
def test_bytes_that_are_not_utf8_are_repaired_before_the_fast_path(name: str, place: str) -> None:
    item = PLACES[place] % NOT_UTF8[name]
    body = rss("<title>K</title>").replace(
        b"</channel>", b"<item><link>https://n.example/i</link>" + item + b"</item></channel>"
    )
    repaired, _ = feeds._as_utf8(body, None)
    assert repaired != body
    assert feeds._fast_path(body, url=FEED_URL) == fastparse.fast_parse(repaired, url=FEED_URL)
    agree(body, f"{name} in {place}")


def test_a_utf8_feed_is_not_decoded_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    body = farm_feed()
    expected = feeds._fast_path(body, url=FEED_URL)

    def refuse(body: bytes) -> bool:
        raise AssertionError("the whole body was decoded to check it")

    monkeypatch.setattr(feeds, "_is_utf8", refuse)
    assert expected is not None and feeds._fast_path(body, url=FEED_URL) == expected


def test_entries_built_unfrozen_are_parsed_entries_in_every_respect() -> None:
    """entry_from_raw builds its entries as an unfrozen twin and then gives them their class."""
    parsed = feeds.parse_feed(farm_feed(), url=FEED_URL)
    assert parsed.entries
    for entry in parsed.entries:
        values = {name: getattr(entry, name) for name in ParsedEntry.__slots__}
        built = ParsedEntry(**values)  # the dataclass's own __init__
        assert type(entry) is ParsedEntry
        assert entry == built and hash(entry) == hash(built) and repr(entry) == repr(built)
        assert pickle.loads(pickle.dumps(entry)) == built
        assert replace(entry, key="k") == replace(built, key="k")
        with pytest.raises(FrozenInstanceError):
            entry.key = "changed"  # type: ignore[misc]
    assert [f.name for f in fields(feedtext._EntryDraft)] == list(ParsedEntry.__slots__)
