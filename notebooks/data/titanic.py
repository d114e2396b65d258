"""A Titanic-shaped table with the Kaggle schema, generated offline.

The real data: https://www.kaggle.com/c/titanic/data (train.csv, test.csv). This generator
keeps its columns and value shapes (titles in names, empty Age and Cabin cells, ports S/C/Q)
and a survival rule with real signal (sex, class, age), so models have something to learn.

    python notebooks/data/titanic.py OUT.csv [--rows N] [--test] [--seed S]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

COLUMNS = ["PassengerId", "Survived", "Pclass", "Name", "Sex", "Age", "SibSp", "Parch",
           "Ticket", "Fare", "Cabin", "Embarked"]
SURNAMES = np.array(["Braund", "Cumings", "Heikkinen", "Futrelle", "Allen", "Moran",
                     "McCarthy", "Palsson", "Johnson", "Nasser", "Sandstrom", "Bonnell"])
FIRST = {"male": np.array(["Owen Harris", "William Henry", "James", "Timothy J", "Gosta"]),
         "female": np.array(["Laina", "Lily May", "Elisabeth", "Marguerite", "Florence"])}


def generate(rows: int = 891, seed: int = 0, test: bool = False, first_id: int = 1):
    rng = np.random.default_rng(seed)
    sex = np.where(rng.random(rows) < 0.35, "female", "male")
    pclass = rng.choice([1, 2, 3], rows, p=[0.24, 0.21, 0.55])
    age = np.round(rng.gamma(5.5, 5.4, rows).clip(0.42, 80), 1)
    child = age < 12
    master = (sex == "male") & child
    title = np.select([master, sex == "male", child | (rng.random(rows) < 0.45)],
                      ["Master.", "Mr.", "Miss."], "Mrs.")
    title = np.where(rng.random(rows) < 0.01, "Dr.", title)
    first = np.where(sex == "male", rng.choice(FIRST["male"], rows),
                     rng.choice(FIRST["female"], rows))
    name = np.char.add(np.char.add(rng.choice(SURNAMES, rows), ", "),
                       np.char.add(np.char.add(title, " "), first))
    score = 1.2 * (sex == "female") - 0.55 * (pclass - 2) + 0.8 * child - 0.4
    survived = (rng.random(rows) < 1 / (1 + np.exp(-2.2 * score))).astype(int)
    fare = np.round(rng.lognormal(np.log(np.array([60, 20, 9])[pclass - 1]), 0.5), 4)
    frame = pd.DataFrame({
        "PassengerId": np.arange(first_id, first_id + rows),
        "Survived": survived,
        "Pclass": pclass,
        "Name": name,
        "Sex": sex,
        "Age": pd.Series(age).where(rng.random(rows) > 0.2).map(_age_text),
        "SibSp": rng.choice([0, 1, 2, 3], rows, p=[0.68, 0.23, 0.06, 0.03]),
        "Parch": rng.choice([0, 1, 2], rows, p=[0.76, 0.13, 0.11]),
        "Ticket": np.char.add("PC ", rng.integers(10000, 99999, rows).astype(str)),
        "Fare": fare,
        "Cabin": pd.Series(np.char.add("C", rng.integers(1, 130, rows).astype(str))).where(
            (pclass == 1) & (rng.random(rows) < 0.8), ""),
        "Embarked": rng.choice(["S", "C", "Q"], rows, p=[0.72, 0.19, 0.09]),
    })
    return frame.drop(columns="Survived") if test else frame


def _age_text(value) -> str:
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def write_csv(path, rows: int = 891, seed: int = 0, test: bool = False) -> None:
    generate(rows, seed, test).to_csv(path, index=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=891)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test", action="store_true", help="the test split (no Survived)")
    options = parser.parse_args()
    write_csv(options.out, options.rows, options.seed, options.test)
