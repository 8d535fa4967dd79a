"""Describes a model file for the airlock's checker, inside the sandbox (a pickle is code,
so it is only ever opened here): its type, the observations it was fitted on, its
parameters and residual degrees of freedom where defined, and whether it keeps training
data (k-nearest neighbours, support vectors, decision leaves with few observations, a
survival model's per-person times). Prints one JSON object.

Usage: inspect_model.py FILE
"""

import json
import os
import pickle
import sys


def leaves(tree):
    left = tree.children_left
    return [int(n) for i, n in enumerate(tree.n_node_samples) if left[i] == -1]


def describe(m):
    cls = type(m)
    out = {"model_type": f"{cls.__module__}.{cls.__qualname__}", "keeps": []}
    nobs = params = dof = None
    if hasattr(m, "nobs"):
        nobs = int(m.nobs)
    if hasattr(m, "df_resid"):
        dof = float(m.df_resid)
    if hasattr(m, "params"):
        try:
            params = len(m.params)
        except TypeError:
            pass
    # statsmodels' results keep their model's data unless remove_data() was called
    inner = getattr(m, "model", None)
    if getattr(inner, "endog", None) is not None:
        out["keeps"].append(f"its training data ({len(inner.endog)} rows; remove_data() drops them)")
    # lifelines
    if hasattr(m, "_n_examples"):
        nobs = int(m._n_examples)
    if hasattr(m, "params_"):
        params = len(m.params_)
    if getattr(m, "durations", None) is not None:
        out["keeps"].append(f"each person's time and event ({len(m.durations)} rows)")
    # scikit-learn
    if hasattr(m, "coef_") and params is None:
        params = int(m.coef_.size) + int(getattr(m, "intercept_", [0]).__len__())
    if hasattr(m, "_fit_X"):
        nobs = nobs or len(m._fit_X)
        out["keeps"].append(f"k-nearest neighbours: its {len(m._fit_X)} training rows")
    if hasattr(m, "support_vectors_"):
        out["keeps"].append(f"support vectors: {len(m.support_vectors_)} training rows")
    trees = []
    if hasattr(m, "tree_"):
        trees = [m.tree_]
    elif hasattr(m, "estimators_"):
        ests = m.estimators_
        flat = ests.ravel() if hasattr(ests, "ravel") else ests
        trees = [e.tree_ for e in flat if hasattr(e, "tree_")]
    if trees:
        smallest = min(min(leaves(t)) for t in trees)
        nobs = nobs or int(trees[0].n_node_samples[0])
        out["smallest_leaf"] = smallest
        out["keeps"].append(f"decision leaves: the smallest holds {smallest} observations")
    if dof is None and nobs is not None and params is not None:
        dof = float(nobs - params)
    out.update({"nobs": nobs, "parameters": params, "dof": dof})
    return out


def main(path):
    try:
        if path.endswith(".joblib"):
            import joblib

            m = joblib.load(path)
        else:
            with open(path, "rb") as f:
                m = pickle.load(f)
        out = describe(m)
    except Exception as e:  # a file that does not open is described as such
        out = {"error": f"{type(e).__name__}: {e}"[:300]}
    out["size"] = os.path.getsize(path)
    print("ork-model " + json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
