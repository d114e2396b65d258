"""An IMDb-shaped review table (columns text, label), generated offline.

The real data (the upstream imdb example's CSV): 50,000 movie reviews labelled "1"
(positive) or "0" (negative), with HTML line breaks and emoticons in the text. This
generator keeps that shape: reviews are sentences of neutral words with sentiment words
mostly of their own class (`noise` of them from the other one), "<br /><br />" breaks and
the odd ":)" or ":(", so a TF-IDF + logistic regression model learns it well but not
perfectly.

    python notebooks/data/imdb.py OUT.csv [--rows N] [--seed S]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

POSITIVE = ["wonderful", "brilliant", "moving", "superb", "delightful", "masterpiece",
            "charming", "excellent", "beautifully", "loved", "gripping", "hilarious"]
NEGATIVE = ["boring", "awful", "terrible", "dull", "waste", "mess", "disappointing",
            "clumsy", "worst", "pointless", "predictable", "annoying"]
NEUTRAL = ["the", "film", "movie", "plot", "actors", "story", "scene", "director", "was",
           "and", "it", "this", "a", "of", "with", "ending", "music", "characters", "i",
           "watched", "cinema", "script", "camera", "time", "very", "quite", "really"]


def generate(rows: int = 400, seed: int = 0, noise: float = 0.1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(rows) % 2)
    reviews = []
    for label in labels:
        own, other = (POSITIVE, NEGATIVE) if label == 1 else (NEGATIVE, POSITIVE)
        words = list(rng.choice(NEUTRAL, rng.integers(12, 30)))
        for _ in range(rng.integers(2, 5)):
            pool = other if rng.random() < noise else own
            words.insert(int(rng.integers(0, len(words))), str(rng.choice(pool)))
        text = " ".join(words)
        cut = int(rng.integers(1, len(text)))
        cut = text.find(" ", cut)
        if cut > 0 and rng.random() < 0.5:
            text = text[:cut] + ".<br /><br />" + text[cut:].capitalize()
        if rng.random() < 0.2:
            text += " :)" if label == 1 else " :("
        reviews.append(text[0].upper() + text[1:] + ".")
    return pd.DataFrame({"text": reviews, "label": labels.astype(str)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.rows, args.seed).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
