"""Threat lists: domains, URL prefixes and hash prefixes that block links.

- :mod:`linkgate.lists.feeds`: feed parsers (URLhaus, PhishTank, OpenPhish,
  hosts, domains, adblock, sha256), a registry of named formats;
- :mod:`linkgate.lists.guard`: what a feed may list (never a public suffix or
  a registered platform as a whole);
- :mod:`linkgate.lists.importing`: parse + guard + de-duplicate + count;
- :mod:`linkgate.lists.threats`: the in-memory matcher a snapshot holds;
- :mod:`linkgate.lists.prefixes`: the hash-prefix export and the check a
  client runs locally (:func:`lookup_prefixes`).
"""

from linkgate.lists.feeds import FORMATS, FeedEntry, Rejected, parse_feed, url_expression
from linkgate.lists.guard import EntryGuard
from linkgate.lists.importing import FeedImport, ImportReport, parse_expiry
from linkgate.lists.prefixes import (
    HashPrefixSet,
    encode_prefixes,
    listed_prefixes,
    lookup_prefixes,
)
from linkgate.lists.threats import ListEntry, ThreatLists

__all__ = [
    "FORMATS",
    "EntryGuard",
    "FeedEntry",
    "FeedImport",
    "HashPrefixSet",
    "ImportReport",
    "ListEntry",
    "Rejected",
    "ThreatLists",
    "encode_prefixes",
    "listed_prefixes",
    "lookup_prefixes",
    "parse_expiry",
    "parse_feed",
    "url_expression",
]
