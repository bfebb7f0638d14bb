"""Tools for writing a store profile: `keepword walk` and `keepword draft`.

`walk` runs the shopper's own pages (`journeys.pages`) against a live store, stopping before
the order unless told otherwise, and looks at every role of every page on the way (`probe`):
how many elements it matched, the text read, the value parsed, boxed and labelled in a
screenshot; for a role that matched nothing it says what on the page could be meant
(`suggest`, from the page scans of `scan`). `draft` reads a store's pages for what can be
detected (JSON-LD, microdata, Open Graph, form fields, platform markup, money texts, repeated
blocks) and writes a profile with a comment on every guess and a TODO for every gap.

Modules: `walk` (the walk) with `looks` (a page's roles), `probe` (one role, the boxes) and
`suggest` (what to try); `draft` with `draftpages` (product, basket), `draftcheckout` (the
checkout), `draftpreview` (the page with the place button), `fields`, `detect` (structured data,
a block's parts), `platforms` (markup checked on a platform) and `yamlout` (the YAML written);
`scan` (what is on a page, with a CSS path to each) serves both.
"""

from __future__ import annotations

__all__: list[str] = []  # the commands import what they use: `journeys.tooling.walk`, `journeys.tooling.draft`
