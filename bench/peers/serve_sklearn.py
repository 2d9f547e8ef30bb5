"""Python scoring-server peer for bench/serve.mjs, built the way MLflow serves a scikit-learn model: the
pipeline is fitted once and pickled (MLflow loads it from the model's artifact), and every uvicorn worker
unpickles it and answers POST /predict by building a pandas DataFrame from the body (JSON records, or CSV
as MLflow's text/csv input) and calling predict_proba.

The pipeline mirrors the churn champion that `mlship train` picks on examples/churn (logistic regression):
numeric columns median-imputed and standard-scaled, categorical ones most-frequent-imputed and one-hot
encoded (unknown levels -> all zeros), LogisticRegression(C=1.0, max_iter=1000) as in mlship.yaml. It is
fitted on every row of the CSV, not on mlship's 80% training split: the serving cost is the same.

    python3 bench/peers/serve_sklearn.py --fit model.pkl
    python3 bench/peers/serve_sklearn.py --model model.pkl --port 8000 [--workers 2]

Fitting is its own process so that the server's peak RSS is that of serving, as for mlship (trained by
`mlship train`, then served by `mlship serve`).
"""
import argparse
import io
import json
import os
import pickle

MODEL_ENV = "MLSHIP_BENCH_PEER_MODEL"
here = os.path.dirname(os.path.abspath(__file__))


def fit(csv_path):
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = pd.read_csv(csv_path)
    y = df.pop("churn")
    num = [c for c in df.columns if df[c].dtype.kind in "if"]
    cat = [c for c in df.columns if c not in num]
    columns = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), num),
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("encode", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                cat,
            ),
        ]
    )
    pipe = Pipeline([("columns", columns), ("model", LogisticRegression(C=1.0, max_iter=1000))])
    return pipe.fit(df, y), list(df.columns)


def make_app(model_path):
    # Imported here so that uvicorn's supervisor process (--workers 2) does not load them for nothing.
    import pandas as pd
    from fastapi import FastAPI, Request, Response

    with open(model_path, "rb") as f:
        pipe, columns = pickle.load(f)
    classes = [str(c) for c in pipe.classes_]
    known = set(columns)
    app = FastAPI()

    def error(status, message):
        return Response(json.dumps({"error": message}), status_code=status, media_type="application/json")

    @app.get("/ping")
    def ping():
        return Response("\n", media_type="application/json")

    # Scoring is synchronous inside the async handler, as in MLflow's scoring server: one request scores
    # at a time per worker.
    @app.post("/predict")
    async def predict(request: Request):
        body = await request.body()
        if request.headers.get("content-type", "").startswith("text/csv"):
            df = pd.read_csv(io.BytesIO(body))
        else:
            try:
                records = json.loads(body)["records"]
            except (ValueError, KeyError, TypeError):
                return error(400, 'expected {"records": [...]}')
            df = pd.DataFrame.from_records(records)
        # Only the column names are checked (mlship also checks each value's type).
        if set(df.columns) != known:
            return error(400, f"columns must be {sorted(known)}")
        proba = pipe.predict_proba(df[columns])
        out = {
            "predictions": [classes[i] for i in proba.argmax(axis=1)],
            "probabilities": [dict(zip(classes, row)) for row in proba.tolist()],
        }
        return Response(json.dumps(out), media_type="application/json")

    return app


# uvicorn's workers import this module by name ("serve_sklearn:app"), each loading the pickled pipeline.
app = make_app(os.environ[MODEL_ENV]) if MODEL_ENV in os.environ else None

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", metavar="PICKLE", help="fit the pipeline, write it here and exit")
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "examples", "churn", "wa_churn.csv"))
    parser.add_argument("--model", metavar="PICKLE", help="serve this fitted pipeline")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.fit:
        with open(args.fit, "wb") as f:
            pickle.dump(fit(args.data), f)
    else:
        import uvicorn

        os.environ[MODEL_ENV] = os.path.abspath(args.model)
        uvicorn.run(
            "serve_sklearn:app",
            app_dir=here,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="warning",
            access_log=False,
        )
