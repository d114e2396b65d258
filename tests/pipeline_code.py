"""The user code of the IMDb and MNIST pipelines (upstream's examples, rewritten, scaled
down): Function bodies and model parameters shared by the HTTP and upstream-client tests.

The helpers declare `global` like upstream's examples did (its exec kept top-level names
out of functions); our single namespace runs them either way.
"""

IMDB_EXPLORE = """
positive = data[data["label"] == "1"]
negative = data[data["label"] == "0"]
print("positive ratio", len(positive) / len(data))
print("negative ratio", len(negative) / len(data))
response = None
"""

IMDB_PREPROCESS = """
import re
from nltk.stem.porter import PorterStemmer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split

porter = PorterStemmer()

def clean(text):
    global re
    faces = re.findall(r"[:;=]-?[()DP]", text)
    text = re.sub(r"<[^>]*>", " ", text)
    return re.sub(r"\\W+", " ", text.lower()) + " ".join(faces).replace("-", "")

def stems(text):
    global porter
    return [porter.stem(word) for word in text.split()]

data["text"] = data["text"].apply(clean)
tfidf = TfidfVectorizer(strip_accents=None, lowercase=False, preprocessor=None,
                        tokenizer=stems, token_pattern=None, use_idf=True, norm="l2",
                        smooth_idf=True)
X = tfidf.fit_transform(data.text)
y = data.label.values
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1, test_size=0.5,
                                                    shuffle=False)
response = {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}
"""

IMDB_MODEL = {"cv": 5, "scoring": "accuracy", "random_state": 0, "n_jobs": -1, "verbose": 3,
              "max_iter": 100}

ACCURACY = """
from sklearn import metrics
print("Accuracy:", metrics.accuracy_score(y_test, y_pred))
response = None
"""

MNIST_PARSE = """
import struct
import numpy as np

def labels(file):
    global np, struct
    file.seek(0)
    magic, count = struct.unpack(">II", file.read(8))
    assert magic == 2049, f"not an IDX label file (magic {magic})"
    return np.frombuffer(file.read(count), dtype=np.uint8).reshape(count, 1)

def images(file):
    global np, struct
    file.seek(0)
    magic, count, rows, columns = struct.unpack(">IIII", file.read(16))
    assert magic == 2051, f"not an IDX image file (magic {magic})"
    return np.frombuffer(file.read(count * rows * columns),
                         dtype=np.uint8).reshape(count, rows, columns)

response = {"train_images": images(mnist_train_images),
            "train_labels": labels(mnist_train_labels),
            "test_images": images(mnist_test_images),
            "test_labels": labels(mnist_test_labels)}
"""

MNIST_NORMALIZE = """
train_images = train_images / 255.0
test_images = test_images / 255.0
print(train_images.shape, train_labels.shape, test_images.shape, test_labels.shape)
response = {"train_images": train_images, "train_labels": train_labels,
            "test_images": test_images, "test_labels": test_labels}
"""

MNIST_LAYERS = ["#tensorflow.keras.layers.Flatten(input_shape=(8, 8))",
                "#tensorflow.keras.layers.Dense(128, activation='relu')",
                "#tensorflow.keras.layers.Dense(10, activation='softmax')"]

MNIST_COMPILE = """
import tensorflow as tf
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(),
              metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
response = model
"""

MNIST_PREDICTED_ACCURACY = """
import numpy as np
print("Accuracy:", float(np.mean(predicted.argmax(axis=1) == labels.reshape(-1))))
response = None
"""


def accuracy(function_message: str) -> float:
    """The number an accuracy function printed ("Accuracy: 0.93")."""
    return float(function_message.split("Accuracy:")[1].split()[0])
