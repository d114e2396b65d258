"""PySpark modeling code for the Titanic Builder flow, in the style of the upstream example.

`MODELING_CODE` expects typed inputs (after projection and dataType, as upstream's example
does); `CASTING_CODE` also accepts the raw CSV datasets (every value a string): it drops the
columns the projection would drop and casts the numeric ones itself. Both define
`features_training`, `features_evaluation` (an 80/20 split, seed 33) and `features_testing`.
"""

MODELING_CODE = '''
from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.sql import functions as F

training = training_df.withColumnRenamed("Survived", "label")
testing = testing_df.withColumn("label", F.lit(0.0))

RARE = ["Dr", "Rev", "Col", "Major", "Capt", "Countess", "Jonkheer", "Don", "Sir", "Lady"]


def with_title(frame):
    title = F.regexp_extract(F.col("Name"), r"([A-Za-z]+)\\.", 1)
    title = (F.when(title.isin(RARE), "Other")
             .when(title.isin("Mlle", "Ms"), "Miss")
             .when(title == "Mme", "Mrs")
             .otherwise(title))
    return frame.withColumn("Initial", title)


training, testing = with_title(training), with_title(testing)
overall_age = training.agg(F.avg("Age")).first()[0]
age_by_title = training.groupBy("Initial").agg(F.avg("Age").alias("age")).collect()


def prepared(frame):
    guess = F.lit(overall_age)
    for row in age_by_title:
        if row["age"] is not None:
            guess = F.when(F.col("Initial") == row["Initial"], row["age"]).otherwise(guess)
    frame = frame.withColumn("Age", F.coalesce(F.col("Age"), guess))
    port = F.when(F.col("Embarked").isNull() | (F.col("Embarked") == ""), "S")
    frame = frame.withColumn("Embarked", port.otherwise(F.col("Embarked")))
    frame = frame.withColumn("Family_Size", F.col("SibSp") + F.col("Parch"))
    return frame.withColumn("Alone", (F.col("Family_Size") == 0).cast("int"))


training, testing = prepared(training), prepared(testing)
for column in ["Sex", "Embarked", "Initial"]:
    indexer = StringIndexer(inputCol=column, outputCol=column + "_index",
                            handleInvalid="keep").fit(training)
    training, testing = indexer.transform(training), indexer.transform(testing)
training = training.drop("Name", "Embarked", "Sex", "Initial")
testing = testing.drop("Name", "Embarked", "Sex", "Initial")

assembler = VectorAssembler(inputCols=[c for c in training.columns if c != "label"],
                            outputCol="features", handleInvalid="skip")
features_training, features_evaluation = assembler.transform(training).randomSplit(
    [0.8, 0.2], seed=33)
features_testing = assembler.transform(testing)
'''

CASTING_CODE = '''
from pyspark.sql import functions as F

NUMBERS = ["PassengerId", "Survived", "Pclass", "Age", "SibSp", "Parch", "Fare"]


def typed(frame):
    frame = frame.drop("Ticket", "Cabin")
    for column in NUMBERS:
        if column in frame.columns:  # "" (a blank Age) becomes null
            frame = frame.withColumn(column, F.col(column).try_cast("double"))
    return frame


training_df, testing_df = typed(training_df), typed(testing_df)
''' + MODELING_CODE

# The upstream example's projection and dataType steps, for the typed variant.
TRAIN_FIELDS = ["PassengerId", "Pclass", "Age", "SibSp", "Parch", "Fare", "Name", "Sex",
                "Embarked", "Survived"]
TEST_FIELDS = [f for f in TRAIN_FIELDS if f != "Survived"]
TEST_TYPES = {f: "number" for f in ("Age", "Fare", "Parch", "PassengerId", "Pclass", "SibSp")}
TRAIN_TYPES = {**TEST_TYPES, "Survived": "number"}
