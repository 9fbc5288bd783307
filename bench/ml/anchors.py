"""The anchors of `npm run bench -- ml`: XGBoost (tree_method=hist) and scikit-learn on the very
columns the Lakebox process reads (bench/ml/flights-columns.ts writes them). One mode per
process, so peak memory (ru_maxrss) is that model's alone. Prints one JSON line."""
import json
import os
import resource
import sys
import time

import numpy as np

mode, folder = sys.argv[1], sys.argv[2]
threads = int(os.environ.get("BENCH_THREADS", "2"))
meta = json.load(open(os.path.join(folder, "meta.json")))
numeric = [np.fromfile(os.path.join(folder, f"{n}.f64"), dtype="<f8") for n in ("hour", "weekday", "month", "distance")]
codes = [np.fromfile(os.path.join(folder, f"{n}.i32"), dtype="<i4") for n in ("origin", "destination")]
label = np.fromfile(os.path.join(folder, "label.f64"), dtype="<f8")
test = np.fromfile(os.path.join(folder, "test.u8"), dtype="u1").astype(bool)
X = np.column_stack(numeric + [c.astype("f8") for c in codes])
train = ~test
out = {"mode": mode}


def auc(y, p):
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(y, p))


if mode == "xgboost":
    import xgboost as xgb
    out["version"] = xgb.__version__
    types = ["q", "q", "q", "q", "c", "c"]
    try:
        dtrain = xgb.DMatrix(X[train], label=label[train], feature_types=types, enable_categorical=True, nthread=threads)
        dtest = xgb.DMatrix(X[test], feature_types=types, enable_categorical=True, nthread=threads)
        out["categorical"] = "native"
    except Exception:  # an XGBoost without categorical numpy input: codes as numbers
        dtrain = xgb.DMatrix(X[train], label=label[train], nthread=threads)
        dtest = xgb.DMatrix(X[test], nthread=threads)
        out["categorical"] = "codes"
    params = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "objective": "binary:logistic",
              "nthread": threads, "max_bin": 256, "max_cat_to_onehot": 1}
    start = time.perf_counter()
    booster = xgb.train(params, dtrain, num_boost_round=100)
    out["fitMs"] = (time.perf_counter() - start) * 1000
    p = booster.predict(dtest)
    # DMatrix predictions are cached: time scoring the raw rows, as the other scorers do.
    start = time.perf_counter()
    booster.inplace_predict(X[test])
    out["predictRowsPerSec"] = int(test.sum()) / (time.perf_counter() - start)
    out["auc"] = auc(label[test], p)
elif mode in ("sklearn-codes", "sklearn-onehot"):
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    import scipy.sparse as sp
    out["version"] = sklearn.__version__
    start = time.perf_counter()
    if mode == "sklearn-codes":
        scaler = StandardScaler().fit(X[train])
        A, B = scaler.transform(X[train]), scaler.transform(X[test])
    else:
        scaler = StandardScaler().fit(X[train][:, :4])
        hot = OneHotEncoder(handle_unknown="ignore").fit(X[train][:, 4:])
        A = sp.hstack([scaler.transform(X[train][:, :4]), hot.transform(X[train][:, 4:])]).tocsr()
        B = sp.hstack([scaler.transform(X[test][:, :4]), hot.transform(X[test][:, 4:])]).tocsr()
    model = LogisticRegression(solver="lbfgs", C=1.0, max_iter=1000).fit(A, label[train])
    out["fitMs"] = (time.perf_counter() - start) * 1000
    out["iterations"] = int(model.n_iter_[0])
    out["auc"] = auc(label[test], model.predict_proba(B)[:, 1])
else:
    raise SystemExit(f"unknown mode {mode}")

out["maxRssKb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out))
