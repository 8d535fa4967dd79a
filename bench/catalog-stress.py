#!/usr/bin/env python3
"""Writes a stress catalog: SOURCES sources of VARS variables each, as catalog source files
an operator could add with catalog_dir. Words come from a fixed Danish/English health
vocabulary, so queries hit realistic posting lists. Deterministic (seeded).

    catalog-stress.py DIR [SOURCES] [VARS]      (defaults: 500 sources x 100 variables)
"""
import os
import random
import sys

DA = ("blodtryk diabetes hjertesvigt lungekræft brystkræft tarmkræft apopleksi depression "
      "demens astma kol nyresygdom graviditet fødsel vaccination infektion operation "
      "indlæggelse ambulant skadestue recept lægemiddel dosis prøve blodprøve urinprøve "
      "kolesterol hæmoglobin kreatinin vægt højde rygning alkohol uddannelse indkomst "
      "kommune region diagnose behandling kontrol opfølgning dødsårsag tumor stadie").split()
EN = ("blood pressure diabetes heart failure lung cancer breast cancer bowel stroke depression "
      "dementia asthma copd kidney disease pregnancy birth vaccination infection surgery "
      "admission outpatient emergency prescription medicine dose sample blood urine "
      "cholesterol haemoglobin creatinine weight height smoking alcohol education income "
      "municipality region diagnosis treatment control follow-up cause death tumour stage").split()
TYPES = ["string", "integer", "decimal", "date", "timestamp", "boolean"]
CONTROLLERS = ["sds", "dst", "rkkp", "ssi", "hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland"]
TOPICS = ["hospital", "diagnoses", "medicines", "cancer", "laboratory", "population", "diabetes", "cardiovascular"]


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(out, n_sources=500, n_vars=100):
    rnd = random.Random(7)
    os.makedirs(os.path.join(out, "sources"), exist_ok=True)
    for i in range(n_sources):
        sid = f"stress-{i:04d}"
        words_da = " ".join(rnd.choices(DA, k=6))
        words_en = " ".join(rnd.choices(EN, k=6))
        lines = [
            f'id = "{sid}"',
            f'controller = "{rnd.choice(CONTROLLERS)}"',
            f'data_type = "{rnd.choice(["register", "operational"])}"',
            f'topics = ["{rnd.choice(TOPICS)}"]',
            'update_cadence = "yearly"',
            "personal_data = true",
            "",
            "[name]",
            f"da = {q('Belastningskilde ' + str(i) + ' ' + words_da)}",
            f"en = {q('Stress source ' + str(i) + ' ' + words_en)}",
            "",
            "[summary]",
            f"da = {q('Syntetisk kilde til belastningstest: ' + ' '.join(rnd.choices(DA, k=30)))}",
            f"en = {q('Synthetic source for load tests: ' + ' '.join(rnd.choices(EN, k=30)))}",
            "",
            "[coverage]",
            f"from_year = {rnd.randint(1977, 2020)}",
            'population = { da = "Syntetisk", en = "Synthetic" }',
            "",
            "[access]",
            f'approvers = ["{rnd.choice(CONTROLLERS)}"]',
            'delivery = { da = "Test", en = "Test" }',
            'fees = { da = "Ingen", en = "None" }',
            "",
            "[[tables]]",
            f'name = "t_{i:04d}"',
            'label = { da = "Tabel", en = "Table" }',
            'description = { da = "Belastningstabel", en = "Stress table" }',
        ]
        for v in range(n_vars):
            lines += [
                "",
                "[[tables.variables]]",
                f'name = "v_{i:04d}_{v:03d}_{rnd.choice(EN)}"',
                f'type = "{rnd.choice(TYPES)}"',
                f"label = {{ da = {q(' '.join(rnd.choices(DA, k=3)))}, en = {q(' '.join(rnd.choices(EN, k=3)))} }}",
                f"description = {{ da = {q(' '.join(rnd.choices(DA, k=12)))}, en = {q(' '.join(rnd.choices(EN, k=12)))} }}",
            ]
        with open(os.path.join(out, "sources", f"{sid}.toml"), "w") as f:
            f.write("\n".join(lines) + "\n")
    print(f"wrote {n_sources} sources x {n_vars} variables = {n_sources * n_vars} variables to {out}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], *(int(x) for x in sys.argv[2:4]))
