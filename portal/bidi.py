"""Bidirectional control characters (U+202A–202E embeddings and overrides, U+2066–2069 isolates, U+200E/200F
marks, U+061C the Arabic letter mark): invisible, yet they reorder what follows, so a name could display as
another name, or turn the columns after it around. One function neutralises them — the templates' output
(every {{ … }}, through Jinja's finalize), every xlsx export, and the text cells of every import."""
import re

from markupsafe import Markup

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")
_DROP = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


def neutralise_bidi(value):
    """The value without bidi control characters; anything but text is returned as it is (Markup stays Markup)."""
    if not isinstance(value, str) or not BIDI_RE.search(value):
        return value
    cleaned = str.translate(value, _DROP)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned
