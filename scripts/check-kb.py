#!/usr/bin/env python3
"""Checks the knowledge base's seed articles (kb/articles/*.md, format in kb/README.md):
front matter complete, ids that match their files, steps, datasets and form fields that
exist in the rulebook and the catalog, an owner on the platform, both languages written
(no HTML), sources named, and at least 30 articles. Exits 1 naming every problem."""
import pathlib
import re
import sys
import tomllib

root = pathlib.Path(__file__).resolve().parent.parent
problems = []
steps = {p.stem for p in (root / "crates/ork-rules/rulebook/steps").glob("*.toml")}
datasets = {p.stem for p in (root / "crates/ork-catalog/catalog/sources").glob("*.toml")}
form = (root / "crates/ork-rules/rulebook/form.toml").read_text(encoding="utf-8")
fields = set(re.findall(r'^id = "([a-z_0-9]+)"', form, re.M))
orgs = {"platform"}
for f in ("controllers.toml", "authorities.toml"):
    orgs |= set(re.findall(r'^id = "([a-z0-9-]+)"', (root / "crates/ork-catalog/catalog" / f).read_text(encoding="utf-8"), re.M))
topics = {"approvals", "data", "applying", "agreements", "analysis", "costs", "time", "companies"}
keys = {"id", "owner", "topic", "title_da", "title_en", "summary_da", "summary_en", "steps", "datasets", "fields", "sources", "version", "updated"}

articles = sorted((root / "kb/articles").glob("*.md"))
for path in articles:
    name = path.name
    text = path.read_text(encoding="utf-8")
    m = re.match(r"\+\+\+\n(.*?)\n\+\+\+\n(.*)\Z", text, re.S)
    if not m:
        problems.append(f"{name}: no front matter between +++ lines")
        continue
    try:
        meta = tomllib.loads(m.group(1))
    except tomllib.TOMLDecodeError as e:
        problems.append(f"{name}: front matter: {e}")
        continue
    missing = keys - meta.keys()
    extra = meta.keys() - keys
    if missing:
        problems.append(f"{name}: missing {', '.join(sorted(missing))}")
    if extra:
        problems.append(f"{name}: unknown keys {', '.join(sorted(extra))}")
    if meta.get("id") != path.stem or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", path.stem):
        problems.append(f"{name}: id {meta.get('id')!r} is not the file's name in a-z, 0-9 and hyphens")
    if meta.get("owner") not in orgs:
        problems.append(f"{name}: owner {meta.get('owner')!r} is not the platform or an organisation of the catalog")
    if meta.get("topic") not in topics:
        problems.append(f"{name}: topic {meta.get('topic')!r} is not one of {', '.join(sorted(topics))}")
    for key, known in (("steps", steps), ("datasets", datasets), ("fields", fields)):
        for x in meta.get(key, []):
            if x not in known:
                problems.append(f"{name}: {key} names {x!r}, which does not exist")
    if not meta.get("sources"):
        problems.append(f"{name}: no sources")
    for k in ("title_da", "title_en", "summary_da", "summary_en"):
        if not str(meta.get(k, "")).strip():
            problems.append(f"{name}: {k} is empty")
    bodies = re.split(r"^---$", m.group(2), flags=re.M)
    if len(bodies) != 2:
        problems.append(f"{name}: expected a Danish and an English body separated by a line ---")
        continue
    for lang, body in zip(("Danish", "English"), bodies):
        words = len(body.split())
        if not 80 <= words <= 450:
            problems.append(f"{name}: the {lang} text has {words} words (80-450)")
        if re.search(r"<[a-zA-Z/!]", body):
            problems.append(f"{name}: the {lang} text holds HTML")
if len(articles) < 30:
    problems.append(f"kb/articles: {len(articles)} articles; the knowledge base starts with at least 30")
for p in problems:
    print(f"knowledge base: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"knowledge base: {len(articles)} articles, every one complete and sourced")
