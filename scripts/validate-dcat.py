#!/usr/bin/env python3
"""Validates a DCAT-AP export against the official DCAT-AP 3.0.1 SHACL shapes with pyshacl.

    validate-dcat.py EXPORT [EXPORT ...]      (Turtle .ttl or JSON-LD .jsonld)
    validate-dcat.py --self-test EXPORT       plants defects in a valid export and checks
                                              that each is reported as a violation

Exits 1 on any violation (warnings and infos are reported, not failed on), printing each.
"""
import pathlib
import sys

import pyshacl
import rdflib

SHAPES = pathlib.Path(__file__).resolve().parent.parent / "crates/ork-catalog/shapes"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def load_shapes():
    shapes = rdflib.Graph()
    for f in ("dcat-ap-SHACL.ttl", "ranges.ttl"):
        shapes.parse(SHAPES / f, format="turtle")
    # The published files name five property shapes that neither defines; pyshacl refuses
    # such references, so they are dropped (they carry no constraint to check).
    dangling = [(s, o) for s, o in shapes.subject_objects(SH.property) if (o, None, None) not in shapes]
    for s, o in dangling:
        shapes.remove((s, SH.property, o))
    print(f"shapes: {len(shapes)} triples ({len(dangling)} undefined property-shape references dropped)")
    return shapes


def violations_of(data, shapes):
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", abort_on_first=False, meta_shacl=False
    )
    return report


def self_test(path):
    shapes = load_shapes()
    DCT = rdflib.Namespace("http://purl.org/dc/terms/")
    DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    plants = {
        "a dataset without a description": lambda g: g.remove((next(g.subjects(rdflib.RDF.type, DCAT.Dataset)), DCT.description, None)),
        "a frequency that is not a dct:Frequency": lambda g: g.remove((None, rdflib.RDF.type, DCT.Frequency)),
        "a publisher that is not an agent": lambda g: g.remove((None, rdflib.RDF.type, rdflib.URIRef("http://xmlns.com/foaf/0.1/Agent"))),
    }
    failed = 0
    for name, plant in plants.items():
        data = rdflib.Graph().parse(path, format="turtle")
        plant(data)
        report = violations_of(data, shapes)
        found = any(
            str(report.value(r, SH.resultSeverity)).endswith("Violation")
            for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
        )
        print(f"self-test: {name}: {'reported' if found else 'NOT REPORTED'}")
        failed += not found
    print(f"{len(plants) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(paths):
    shapes = load_shapes()
    failed = False
    for path in paths:
        fmt = "json-ld" if path.endswith(".jsonld") else "turtle"
        data = rdflib.Graph().parse(path, format=fmt)
        report = violations_of(data, shapes)
        by_severity = {}
        for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
            sev = report.value(result, SH.resultSeverity).split("#")[-1]
            by_severity.setdefault(sev, []).append(result)
        violations = by_severity.get("Violation", [])
        summary = ", ".join(f"{len(v)} {k.lower()}(s)" for k, v in sorted(by_severity.items())) or "no findings"
        print(f"{path}: {len(data)} triples; {summary}")
        for result in violations[:50]:
            focus = report.value(result, SH.focusNode)
            pathv = report.value(result, SH.resultPath)
            msg = report.value(result, SH.resultMessage)
            print(f"  VIOLATION {focus} {pathv}: {msg}")
        if violations:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "--self-test":
        sys.exit(self_test(sys.argv[2]))
    sys.exit(main(sys.argv[1:]))
