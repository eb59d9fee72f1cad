"""What the fast path knows of feedparser (6.0): its tables, held here so that a refresh worker
parsing well-formed feeds never imports it (feedparser, its sanitizer, sgmllib and date readers,
and the http and email modules they bring cost a parse worker ~2.5 MB).
tests/unit/test_feedparser_facts.py checks every table against the installed feedparser, so an
upgrade that changes one fails there, not in a feed.
"""

from __future__ import annotations

import re
import urllib.parse


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Namespace URIs feedparser knows, and the prefix its handler names use for each ("" for the
# feed formats' own). A namespace not listed is named by the prefix the document gives it.
NAMESPACE_PREFIXES: dict[str, str] = {
    uri: prefix
    for prefix, uris in (
        (
            "",
            "http://backend.userland.com/rss http://blogs.law.harvard.edu/tech/rss "
            "http://purl.org/rss/1.0/ http://my.netscape.com/rdf/simple/0.9/ "
            "http://example.com/newformat# http://example.com/necho http://purl.org/echo/ "
            "uri/of/echo/namespace# http://purl.org/pie/ http://purl.org/atom/ns# "
            "http://www.w3.org/2005/Atom http://purl.org/rss/1.0/modules/rss091#",
        ),
        ("admin", "http://webns.net/mvcb/"),
        ("ag", "http://purl.org/rss/1.0/modules/aggregation/"),
        ("annotate", "http://purl.org/rss/1.0/modules/annotate/"),
        ("audio", "http://media.tangent.org/rss/1.0/"),
        ("blogChannel", "http://backend.userland.com/blogChannelModule"),
        ("cc", "http://creativecommons.org/ns#license http://web.resource.org/cc/"),
        (
            "creativeCommons",
            "http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html "
            "http://backend.userland.com/creativeCommonsRssModule",
        ),
        ("co", "http://purl.org/rss/1.0/modules/company"),
        ("content", "http://purl.org/rss/1.0/modules/content/"),
        ("cp", "http://my.theinfo.org/changed/1.0/rss/"),
        ("dc", "http://purl.org/dc/elements/1.1/"),
        ("dcterms", "http://purl.org/dc/terms/"),
        ("email", "http://purl.org/rss/1.0/modules/email/"),
        ("ev", "http://purl.org/rss/1.0/modules/event/"),
        ("feedburner", "http://rssnamespace.org/feedburner/ext/1.0"),
        ("fm", "http://freshmeat.net/rss/fm/"),
        ("foaf", "http://xmlns.com/foaf/0.1/"),
        ("geo", "http://www.w3.org/2003/01/geo/wgs84_pos#"),
        ("georss", "http://www.georss.org/georss"),
        ("gml", "http://www.opengis.net/gml"),
        ("icbm", "http://postneo.com/icbm/"),
        ("image", "http://purl.org/rss/1.0/modules/image/"),
        (
            "itunes",
            "http://www.itunes.com/DTDs/PodCast-1.0.dtd http://example.com/DTDs/PodCast-1.0.dtd",
        ),
        ("l", "http://purl.org/rss/1.0/modules/link/"),
        ("media", "http://search.yahoo.com/mrss http://search.yahoo.com/mrss/"),
        ("pingback", "http://madskills.com/public/xml/rss/module/pingback/"),
        ("prism", "http://prismstandard.org/namespaces/1.2/basic/"),
        ("psc", "http://podlove.org/simple-chapters"),
        ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
        ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
        ("ref", "http://purl.org/rss/1.0/modules/reference/"),
        ("reqv", "http://purl.org/rss/1.0/modules/richequiv/"),
        ("search", "http://purl.org/rss/1.0/modules/search/"),
        ("slash", "http://purl.org/rss/1.0/modules/slash/"),
        ("soap", "http://schemas.xmlsoap.org/soap/envelope/"),
        ("ss", "http://purl.org/rss/1.0/modules/servicestatus/"),
        ("str", "http://hacks.benhammersley.com/rss/streaming/"),
        ("sub", "http://purl.org/rss/1.0/modules/subscription/"),
        ("sy", "http://purl.org/rss/1.0/modules/syndication/"),
        ("szf", "http://schemas.pocketsoap.com/rss/myDescModule/"),
        ("taxo", "http://purl.org/rss/1.0/modules/taxonomy/"),
        ("thr", "http://purl.org/rss/1.0/modules/threading/"),
        ("ti", "http://purl.org/rss/1.0/modules/textinput/"),
        ("trackback", "http://madskills.com/public/xml/rss/module/trackback/"),
        ("wfw", "http://wellformedweb.org/commentAPI/"),
        ("wiki", "http://purl.org/rss/1.0/modules/wiki/"),
        ("xhtml", "http://www.w3.org/1999/xhtml"),
        ("xlink", "http://www.w3.org/1999/xlink"),
        ("xml", "http://www.w3.org/XML/1998/namespace"),
    )
    for uri in uris.split()
} | {"": ""}  # no namespace at all

# Element names (as the fast path spells them: lower case, "prefix_name") that feedparser has
# a start or end handler for: an element it would do something with.
HANDLED_ELEMENTS = _words(
    "abstract author body category cc_license channel cloud content content_encoded "
    "contributor copyright created creativecommons_license dc_author dc_contributor dc_creator "
    "dc_date dc_description dc_language dc_publisher dc_rights dc_subject dc_title "
    "dcterms_created dcterms_issued dcterms_modified dcterms_valid description email enclosure "
    "entry expirationdate feed feedburner_browserfriendly fullitem generator geom georss_box "
    "georss_line georss_point georss_polygon georss_where georssgeom gml_exterior "
    "gml_linearring gml_linestring gml_point gml_polygon gml_pos gml_poslist guid height "
    "homepage id image info issued item itunes_author itunes_block itunes_category "
    "itunes_email itunes_explicit itunes_image itunes_keywords itunes_link itunes_name "
    "itunes_owner itunes_subtitle itunes_summary keywords language lastbuilddate link "
    "managingeditor media_category media_content media_credit media_description media_group "
    "media_keywords media_license media_player media_rating media_restriction media_thumbnail "
    "media_title modified name newlocation psc_chapter psc_chapters pubdate published rights "
    "rss source subtitle summary tagline tags textinput title updated uri url webmaster where "
    "width xhtml_body"
)

# The key feedparser stores an element's value under, where it is not the element's name
# (its FeedParserDict aliases; for "description" and "url" the first of the keys it tries).
STORED_AS: dict[str, str] = {
    "channel": "feed",
    "items": "entries",
    "guid": "id",
    "date": "updated",
    "date_parsed": "updated_parsed",
    "description": "summary",
    "description_detail": "summary_detail",
    "url": "href",
    "modified": "updated",
    "modified_parsed": "updated_parsed",
    "issued": "published",
    "issued_parsed": "published_parsed",
    "copyright": "rights",
    "copyright_detail": "rights_detail",
    "tagline": "subtitle",
    "tagline_detail": "subtitle_detail",
}

# The HTML elements feedparser's sanitizer lets through: a title made only of these (and
# known entities) is read as HTML.
SAFE_HTML_ELEMENTS = _words(
    "a abbr acronym address area article aside audio b big blockquote br button canvas "
    "caption center cite code col colgroup command datagrid datalist dd del details dfn dialog "
    "dir div dl dt em event-source fieldset figcaption figure font footer form h1 h2 h3 h4 h5 "
    "h6 header hr i img input ins kbd keygen label legend li m map menu meter multicol nav "
    "nextid noscript ol optgroup option output p pre progress q s samp section select small "
    "sound source spacer span strike strong sub sup table tbody td textarea tfoot th thead "
    "time tr tt u ul var video"
)

# The URI schemes feedparser lets a resolved link keep.
URI_SCHEMES = _words(
    "file ftp gopher h323 hdl http https imap magnet mailto mms news nntp prospero rsync rtsp "
    "rtspu sftp shttp sip sips snews svn svn+ssh telnet wais aim callto cvs facetime feed git "
    "gtalk irc ircs irc6 itms msnim skype ssh smb ymsg"
)

# Zone names feedparser's RFC 822 reader knows, as hours east of UTC; it reads any other name
# (CET, CEST, UTC) as UTC.
ZONE_HOURS: dict[str, int] = {
    "ut": 0, "gmt": 0, "z": 0, "adt": -3, "ast": -4, "at": -4, "edt": -4, "est": -5, "et": -5,
    "cdt": -5, "cst": -6, "ct": -6, "mdt": -6, "mst": -7, "mt": -7, "pdt": -7, "pst": -8,
    "pt": -8, "a": -1, "n": 1, "m": -12, "y": 12, "met": 1, "mest": 2,
}  # fmt: skip

# C1 controls (U+0080..U+009F) as the cp1252 characters their bytes stand for; the five
# bytes cp1252 leaves undefined are kept as they are.
CP1252_C1: dict[int, str] = {
    code: char
    for code in range(0x80, 0xA0)
    if (char := bytes([code]).decode("cp1252", errors="replace")) != "\ufffd"
}

# "scheme:///x" or "scheme:////x": feedparser folds the slashes after "://" to none before
# joining (the scheme's characters as its pattern spells them, "," included).
_SLASHES_AFTER_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+,.-]*://)/+")


# Absolute http(s) URLs that feedparser's join (urljoin below) hands back unchanged, whatever
# the base (no "//" to fold, no empty query, params or fragment for urllib to drop, no
# whitespace for it to strip). Printable ASCII only: a class of ranges below 256 is a bitmap to
# the regex engine, three times faster than one with \s in it; a URL with other characters
# takes urljoin. Possessive (++, ?+): each part's class leaves out the character that starts
# the next, so giving any back could never match; the engine keeps no way back (~15 % faster).
PLAIN_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9.-]++(?::[0-9]++)?+(?:/[!-\"$-:<->@-~]*+)?+(?:\?[!-\"$-~]++)?+"
)


def urljoin(base: str, uri: str) -> str:
    """feedparser's join of a link to its base: urllib's, after folding those slashes; ""
    for a link urllib rejects."""
    uri = _SLASHES_AFTER_SCHEME.sub(r"\1", uri, count=1) if "://" in uri else uri
    try:
        return urllib.parse.urljoin(base, uri)
    except ValueError:
        return ""


def safe_absolute_uri(base: str, link: str) -> str:
    """feedparser's make_safe_absolute_uri for a non-empty base and link: the joined link, or
    "" when its scheme is not one feedparser keeps."""
    if PLAIN_ABSOLUTE.fullmatch(link):
        return link  # its own join, and http(s) is kept: urllib's ~25,000 instructions saved
    joined = urljoin(base, link)
    return joined if joined.strip().split(":", 1)[0] in URI_SCHEMES else ""


_CLOSE_TAG = re.compile(r"</\w+>")
_REFERENCE = re.compile(r"&#?\w+;")
_TAG_NAME = re.compile(r"</?(\w+)")
_ENTITY_NAME = re.compile(r"&(\w+);")


def looks_like_html(text: str) -> bool:
    """feedparser's guess that a plain-text title is HTML after all: it closes a tag or holds
    a reference, every tag is one the sanitizer allows and every entity one HTML defines."""
    if not (_CLOSE_TAG.search(text) or _REFERENCE.search(text)):
        return False
    if any(name.lower() not in SAFE_HTML_ELEMENTS for name in _TAG_NAME.findall(text)):
        return False
    names = _ENTITY_NAME.findall(text)
    if not names:
        return True
    # start-up/memory: html.entities (~0.5 MB a parse worker) loads for the first title that
    # names an entity, not for every worker
    from html.entities import entitydefs

    return all(name in entitydefs for name in names)
