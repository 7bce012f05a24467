#!/usr/bin/env python3
"""Builds the English training corpus of the default model from text Debian ships: the Python
3.11 documentation (python3.11-doc, HTML turned into plain text) and the fortune cookies
(fortunes). Writes OUT/train.txt and OUT/heldout.txt: documents in a fixed order, the held-out
file the last 1 % of them by bytes. Deterministic: the same packages give the same files.

    sudo apt-get install python3.11-doc fortunes
    python3 scripts/tiny_model/build_corpus.py OUT_DIR
"""
import html.parser
import pathlib
import re
import sys

DOCS = pathlib.Path("/usr/share/doc/python3.11/html")
FORTUNES = pathlib.Path("/usr/share/games/fortunes")
# Text inside these elements is navigation, code listings or markup, not prose.
SKIPPED = {"script", "style", "head", "nav", "pre", "footer"}
HELDOUT_SHARE = 0.01


class TextOf(html.parser.HTMLParser):
    """The visible prose of an HTML page: one paragraph per block element."""

    BLOCKS = {"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "td", "div", "br", "tr"}
    VOID = {"br", "img", "meta", "link", "input", "hr", "wbr", "col", "area", "base", "source"}
    SKIPPED_CLASSES = ("related", "sphinxsidebar", "highlight", "footer", "headerlink")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.stack = []  # (tag, skipped) of the open elements

    def skipping(self):
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag in self.VOID:
            return
        classes = dict(attrs).get("class") or ""
        skipped = tag in SKIPPED or any(name in classes for name in self.SKIPPED_CLASSES)
        self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n")
        # Close up to the matching element (pages are well formed; a stray end tag is ignored).
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data):
        if not self.skipping():
            self.parts.append(data)

    def text(self):
        raw = "".join(self.parts)
        paragraphs = []
        for block in raw.split("\n"):
            line = re.sub(r"\s+", " ", block).strip()
            # Prose: a few words, mostly letters (drops tables of symbols and link lists).
            if len(line.split()) >= 6 and sum(c.isalpha() for c in line) > 0.6 * len(line):
                paragraphs.append(line.replace("¶", "").strip())
        return "\n".join(paragraphs)


def python_docs():
    for path in sorted(DOCS.rglob("*.html")):
        if path.name in {"genindex.html", "py-modindex.html", "search.html"} or "genindex" in path.name:
            continue
        parser = TextOf()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        text = parser.text()
        if text:
            yield text


def fortunes():
    for path in sorted(FORTUNES.iterdir()):
        if path.suffix or not path.is_file() or path.is_symlink():
            continue
        for cookie in path.read_text(encoding="utf-8", errors="replace").split("\n%\n"):
            cookie = cookie.strip()
            if cookie and all(ord(c) < 0x2500 for c in cookie):
                yield cookie


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    documents = list(python_docs()) + list(fortunes())
    total = sum(len(d.encode()) + 2 for d in documents)
    # The held-out share: documents taken from the end, every 100th from the whole list, so both
    # sources are in it.
    heldout_ids = set(range(0, len(documents), 100))
    train = [d for i, d in enumerate(documents) if i not in heldout_ids]
    heldout = [d for i, d in enumerate(documents) if i in heldout_ids]
    (out / "train.txt").write_text("\n\n".join(train) + "\n", encoding="utf-8")
    (out / "heldout.txt").write_text("\n\n".join(heldout) + "\n", encoding="utf-8")
    print(f"{len(documents)} documents, {total / 1e6:.1f} MB: train {len(train)}, "
          f"held out {len(heldout)} ({sum(len(d.encode()) for d in heldout) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
