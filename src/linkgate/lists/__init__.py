"""Threat lists: domains, URL prefixes and hash prefixes that block links."""
