#!/usr/bin/env python3
"""Checks every internal link of the built docs site: `tools/check_docs.py target/docs`.

A relative href or src must name a file of the site, and its #anchor an id on that page. A link
into this repository on GitHub (https://github.com/hookway/hookway/blob/main/PATH, or tree/, edit/,
raw/) must name a PATH that exists in this checkout. Other http(s) and mailto links are not
followed. Prints each broken link with the page it is on, and exits 1 if there is any. print.html,
every page on one, is skipped: its links are the pages' own, and would each be reported twice.
"""

import html.parser
import posixpath
import sys
import urllib.parse
from pathlib import Path

REPOSITORY = "https://github.com/hookway/hookway/"
CHECKOUT = Path(__file__).resolve().parent.parent


class Page(html.parser.HTMLParser):
    """A page's links (href and src) and the ids it defines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.ids = set()
        self.base = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "base" and attrs.get("href"):
            self.base = attrs["href"]
            return
        for name in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(name):
                self.ids.add(attrs[name])
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.links.append(attrs[name])


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken_links(site):
    pages = {}

    def page_at(path):
        if path not in pages:
            pages[path] = parse(path)
        return pages[path]

    broken = []
    for path in sorted(site.rglob("*.html")):
        if path == site / "print.html":
            continue
        page = page_at(path)
        where = path.relative_to(site).as_posix()
        # A page with <base href="/"> (mdBook's 404 page) resolves its links from the site's root.
        directory = "" if page.base == "/" else posixpath.dirname(where)
        for link in page.links:
            problem = check(site, directory, where, link, page_at)
            if problem:
                broken.append(f"{where}: {link}: {problem}")
    return broken


def check(site, directory, where, link, page_at):
    """What is wrong with `link` on the page `where` (in `directory` of the site), or None."""
    if link.startswith(REPOSITORY):
        parts = link[len(REPOSITORY) :].split("#")[0].split("?")[0].split("/")
        if len(parts) < 3 or parts[0] not in ("blob", "tree", "edit", "raw"):
            return None
        path = posixpath.normpath("/".join(urllib.parse.unquote(part) for part in parts[2:]))
        return None if (CHECKOUT / path).exists() else f"{path} is not in the repository"
    url = urllib.parse.urlsplit(link)
    if url.scheme or url.netloc or link.startswith("javascript:"):
        return None
    if url.path:
        path = urllib.parse.unquote(url.path)
        # An absolute path is from the site's root.
        relative = path.lstrip("/") or "." if path.startswith("/") else posixpath.join(directory, path)
        target = posixpath.normpath(relative)
        if target.startswith("../") or target == "..":
            return "points outside the site (link to the file on GitHub instead)"
        file = site / target
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file():
            return f"no such file {target}"
    else:
        file = site / where
    if url.fragment and file.suffix == ".html":
        if urllib.parse.unquote(url.fragment) not in page_at(file).ids:
            return f"no #{url.fragment} on {file.relative_to(site).as_posix()}"
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tools/check_docs.py SITE_DIR (the built site, e.g. target/docs)")
    site = Path(sys.argv[1])
    if not (site / "index.html").is_file():
        sys.exit(f"{site} is not a built site: no index.html (make docs builds it)")
    broken = broken_links(site)
    for line in broken:
        print(line)
    if broken:
        print(f"{len(broken)} broken link(s) in {site}", file=sys.stderr)
        sys.exit(1)
    print(f"every internal link of {site} resolves")


if __name__ == "__main__":
    main()
