#!/usr/bin/env python3
"""Reference values for the metric library (tests/metrics/golden_test.cpp).

Seeded random inputs of odd sizes and the metrics computed independently of the
C++ code: scikit-learn for accuracy, confusion matrices, F1 and ROC curves,
scipy for Pearson's r, and plain numpy written from the formulas for the rest
(ICC from the two-way ANOVA mean squares, CCC, NME, CED/AUC, k-fold threshold
search by brute force over every candidate). Every float input is stored as the
exact double of the value the C++ side uses (float32 inputs are rounded to
float32 first). Run: /usr/bin/python3 tests/golden/make_metrics_golden.py
"""
import json
import math
import os

import numpy as np
import scipy.stats
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_curve

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20220722)


def f32(a):
    """float32-rounded array, promoted to float64 so numpy computes in double like the C++ code."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def lst(a):
    return [x.item() if hasattr(x, "item") else x for x in np.asarray(a).ravel()]


# ---------------------------------------------------------------- classification
def classification():
    n, classes = 97, 7
    truth = rng.integers(0, classes, n)
    pred = np.where(rng.random(n) < 0.6, truth, rng.integers(0, classes, n))
    # Class 3 never occurs in truth nor prediction: its F1 is 0/0, defined as 0.
    truth[truth == 3] = 4
    pred[pred == 3] = 2
    labels = list(range(classes))
    for_mean = [1, 2, 3, 5, 6]
    f1 = f1_score(truth, pred, labels=labels, average=None, zero_division=0)

    # AffectNet-style 8-class scores, accuracy over 7 classes (contempt = 7 dropped).
    m, c8 = 89, 8
    scores = f32(rng.normal(size=(m, c8)))
    truth8 = rng.integers(0, c8, m)
    for i in range(m):  # make the true class likely, sometimes via the excluded class's column
        if rng.random() < 0.5:
            scores[i, truth8[i]] += 1.5
    scores[::11, 7] += 4.0  # the excluded class often wins the 8-way arg-max
    keep = truth8 != 7
    pred7 = scores[keep][:, :7].argmax(axis=1)
    return {
        "classes": classes,
        "pred": lst(pred),
        "truth": lst(truth),
        "accuracy": accuracy_score(truth, pred),
        "confusion": lst(confusion_matrix(truth, pred, labels=labels)),  # rows = truth
        "f1_classes_for_mean": for_mean,
        "f1_per_class": lst(f1),
        "f1_mean": float(np.mean(f1[for_mean])),
        "f1_mean_all": float(np.mean(f1)),
        "scores8": lst(scores),
        "truth8": lst(truth8),
        "accuracy8": accuracy_score(truth8, scores.argmax(axis=1)),
        "accuracy7": accuracy_score(truth8[keep], pred7),
    }


# ---------------------------------------------------------------- regression
def icc_3_1_anova(table):
    """ICC(3,1) of Shrout & Fleiss from the two-way ANOVA mean squares."""
    n, k = table.shape
    grand = table.mean()
    rows = table.mean(axis=1)
    cols = table.mean(axis=0)
    ss_total = ((table - grand) ** 2).sum()
    ss_rows = k * ((rows - grand) ** 2).sum()
    ss_cols = n * ((cols - grand) ** 2).sum()
    bms = ss_rows / (n - 1)
    ems = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    return (bms - ems) / (bms + (k - 1) * ems)


def ccc_numpy(p, t):
    cov = np.mean((p - p.mean()) * (t - t.mean()))
    return 2 * cov / (p.var() + t.var() + (p.mean() - t.mean()) ** 2)


# Cross-check of the ICC formula against the published example of Shrout &
# Fleiss (1979), Table 2 (6 targets x 4 judges): ICC(3,1) = .71.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)
assert round(icc_3_1_anova(SHROUT_FLEISS), 2) == 0.71


def regression_case(pred, truth):
    return {
        "pred": lst(pred),
        "truth": lst(truth),
        "mae": float(np.mean(np.abs(pred - truth))),
        "rmse": float(np.sqrt(np.mean((pred - truth) ** 2))),
        "pearson": float(scipy.stats.pearsonr(pred, truth)[0]),
        "ccc": float(ccc_numpy(pred, truth)),
        "icc_3_1": float(icc_3_1_anova(np.stack([pred, truth], axis=1))),
    }


def regression():
    n = 53
    truth = rng.uniform(-1, 1, n)  # valence-like
    pred = 0.7 * truth + 0.1 + rng.normal(0, 0.3, n)
    au_truth = rng.integers(0, 6, 61).astype(float)  # AU intensity 0..5 with many ties
    au_pred = np.clip(au_truth + rng.normal(0.3, 0.9, 61), 0, 5)
    return {"continuous": regression_case(pred, truth), "au_intensity": regression_case(au_pred, au_truth)}


# ---------------------------------------------------------------- landmarks
def mean_nme(pred, gt, visible, norms):
    """Per-image NME: mean point error over visible points / normaliser, written directly."""
    out = []
    for i in range(gt.shape[0]):
        err = np.linalg.norm(pred[i] - gt[i], axis=1)
        vis = visible[i] != 0
        out.append(err[vis].mean() / norms[i])
    return np.array(out)


def random_faces(images, points, dims, noise):
    gt = f32(rng.uniform(20, 220, size=(images, points, dims)))
    pred = f32(gt + rng.normal(0, noise, size=gt.shape))
    boxes = f32(np.stack([rng.uniform(0, 30, images), rng.uniform(0, 30, images),
                          rng.uniform(120, 200, images), rng.uniform(140, 210, images)], axis=1))
    return gt, pred, boxes


def eye_distance(gt, a, b):
    return np.linalg.norm(gt[:, a, :2] - gt[:, b, :2], axis=1)


def eye_centre_distance(gt, left, right):
    return np.linalg.norm(gt[:, left, :2].mean(axis=1) - gt[:, right, :2].mean(axis=1), axis=1)


def landmark_case(images, points, dims, corners, eyes, noise):
    gt, pred, boxes = random_faces(images, points, dims, noise)
    visible = (rng.random((images, points)) < 0.8).astype(np.uint8)
    visible[:, 0] = 1  # every image keeps at least one point
    norms = {
        "inter_ocular": eye_distance(gt, *corners) if corners else None,
        "inter_pupil": eye_centre_distance(gt, *eyes) if eyes else None,
        "box_diagonal": np.sqrt(boxes[:, 2] ** 2 + boxes[:, 3] ** 2),
        "box_sqrt_area": np.sqrt(boxes[:, 2] * boxes[:, 3]),
    }
    all_visible = np.ones_like(visible)
    case = {"images": images, "points": points, "dims": dims, "gt": lst(gt), "pred": lst(pred),
            "boxes": lst(boxes), "visible": lst(visible)}
    for name, norm in norms.items():
        if norm is None:
            continue
        case["norm_" + name] = lst(norm)
        case["nme_" + name] = lst(mean_nme(pred, gt, all_visible, norm))
        case["nme_visible_" + name] = lst(mean_nme(pred, gt, visible, norm))
    return case


def ced_numpy(nme, t):
    """CED integrated as a step function: between consecutive sorted errors it equals j / N."""
    e = np.sort(nme)
    n = len(e)
    edges = np.concatenate([np.minimum(e, t), [t]])
    area = sum((j + 1) / n * (edges[j + 1] - edges[j]) for j in range(n))
    return {"threshold": t, "mean_nme": float(nme.mean()), "auc": float(area / t),
            "failure_rate": float(np.mean(nme > t))}


def landmarks():
    nme = np.abs(rng.normal(0.05, 0.03, 73))
    nme[5] = 0.08  # exactly at the threshold: not a failure
    yaw = f32(rng.uniform(-99, 99, 41))
    yaw[:3] = [30.0, -60.0, 60.5]  # bin edges: 30 -> bin 0, 60 -> bin 1
    nme_yaw = np.abs(rng.normal(0.04, 0.02, 41))
    a = np.abs(yaw)
    bins = [a <= 30, (a > 30) & (a <= 60), a > 60]
    means = [float(nme_yaw[b].mean()) for b in bins]
    pose_truth = f32(rng.uniform(-90, 90, size=(19, 3)))
    pose_pred = f32(pose_truth + rng.normal(0, 5, size=(19, 3)))
    pose_err = np.abs(pose_pred - pose_truth).mean(axis=0)
    return {
        "w300": landmark_case(11, 68, 2, (36, 45), (list(range(36, 42)), list(range(42, 48))), 4.0),
        "wflw": landmark_case(7, 98, 2, (60, 72), (list(range(60, 68)), list(range(68, 76))), 4.0),
        "cofw": landmark_case(5, 29, 2, (8, 9), None, 4.0),
        "aflw2000_3d": landmark_case(13, 68, 3, None, None, 5.0),
        "ced": {"nme": lst(nme), "at_0_08": ced_numpy(nme, 0.08), "at_0_10": ced_numpy(nme, 0.10)},
        "yaw": {"nme": lst(nme_yaw), "yaw_degrees": lst(yaw), "bin": means,
                "count": [int(b.sum()) for b in bins], "balanced": float(np.mean(means))},
        "pose": {"pred": lst(pose_pred), "truth": lst(pose_truth), "yaw": float(pose_err[0]),
                 "pitch": float(pose_err[1]), "roll": float(pose_err[2]), "mean": float(pose_err.mean())},
    }


# ---------------------------------------------------------------- verification
def candidate_thresholds(train_scores):
    s = np.unique(train_scores)
    return np.concatenate([[-np.inf], (s[:-1] + s[1:]) / 2, [np.inf]])


def best_threshold_bruteforce(scores, same):
    cands = candidate_thresholds(scores)
    acc = [np.mean((scores > t) == same) for t in cands]
    return cands[int(np.argmax(acc))]  # argmax keeps the first (lowest) on ties


def kfold_bruteforce(scores, same, fold):
    accs, ths = [], []
    for f in range(fold.max() + 1):
        test = fold == f
        t = best_threshold_bruteforce(scores[~test], same[~test])
        accs.append(float(np.mean((scores[test] > t) == same[test])))
        ths.append(float(t))
    accs = np.array(accs)
    return {"folds": accs.tolist(), "thresholds": ths, "mean": float(accs.mean()),
            "std": float(accs.std(ddof=1)), "threshold_mean": float(np.mean(ths))}


def tar_bruteforce(scores, same, far):
    imp, gen = scores[same == 0], scores[same == 1]
    allowed = math.floor(far * len(imp) * (1 + 1e-9))
    cands = np.concatenate([[-np.inf], np.unique(scores)])
    ok = [t for t in cands if np.sum(imp > t) <= allowed]
    t = min(ok)
    return float(np.mean(gen > t))


def verification():
    n = 611
    same = (rng.random(n) < 0.5).astype(np.uint8)
    # Two decimals make many tied scores, on both sides and across genuine/impostor.
    scores = np.round(np.where(same == 1, rng.normal(0.55, 0.2, n), rng.normal(0.15, 0.2, n)), 2)
    sizes = [n // 10 + (1 if f < n % 10 else 0) for f in range(10)]  # scikit-learn KFold sizes
    consecutive = np.repeat(np.arange(10), sizes)
    explicit = rng.integers(0, 7, n)
    fars = [1e-3, 1.0 / np.sum(same == 0), 0.01, 0.1, 0.37, 1.0]
    fpr, tpr, _ = roc_curve(same, scores, drop_intermediate=False)
    # Probe/gallery identification with exact duplicates (ties) in the gallery.
    dim, gn, pn = 5, 37, 23
    gallery = f32(rng.normal(size=(gn, dim)))
    gallery_labels = rng.integers(0, 12, gn)
    gallery[30] = gallery[4]  # same vector, different label: the lower index ranks first
    gallery_labels[30] = (gallery_labels[4] + 1) % 12
    probe_labels = rng.integers(0, 12, pn)
    probes = f32(np.array([gallery[rng.choice(np.flatnonzero(gallery_labels == l))] if np.any(gallery_labels == l)
                           else rng.normal(size=dim) for l in probe_labels]) + rng.normal(0, 0.6, size=(pn, dim)))
    probes[0] = gallery[4]  # exact tie between entries 4 and 30
    probe_labels[0] = gallery_labels[30]
    g = gallery / np.linalg.norm(gallery, axis=1, keepdims=True)
    p = probes / np.linalg.norm(probes, axis=1, keepdims=True)
    sim = p @ g.T
    rank = {}
    for k in (1, 3, 5):
        hits = 0
        for q in range(pn):
            order = np.lexsort((np.arange(gn), -sim[q]))  # by decreasing cosine, then gallery index
            hits += probe_labels[q] in gallery_labels[order[:k]]
        rank[str(k)] = hits / pn
    return {
        "scores": lst(scores), "same": lst(same),
        "kfold10": kfold_bruteforce(scores, same, consecutive),
        "fold_of_pair": lst(explicit), "kfold_explicit": kfold_bruteforce(scores, same, explicit),
        "far": fars, "tar": [tar_bruteforce(scores, same, f) for f in fars],
        "roc_far": lst(fpr), "roc_tar": lst(tpr),
        "identification": {"dim": dim, "gallery": lst(gallery), "gallery_labels": lst(gallery_labels),
                           "probes": lst(probes), "probe_labels": lst(probe_labels), "rank": rank},
    }


# ---------------------------------------------------------------- parsing
def parsing():
    classes, ignore = 6, 255
    maps = []
    all_truth, all_pred = [], []
    for h, w in [(17, 13), (9, 11), (21, 5)]:
        truth = rng.integers(0, classes, h * w).astype(np.uint8)
        pred = np.where(rng.random(h * w) < 0.7, truth, rng.integers(0, classes, h * w)).astype(np.uint8)
        truth[rng.random(h * w) < 0.1] = ignore
        maps.append({"pred": lst(pred), "truth": lst(truth)})
        keep = truth != ignore
        all_truth.append(truth[keep])
        all_pred.append(pred[keep])
    t, p = np.concatenate(all_truth), np.concatenate(all_pred)
    labels = list(range(classes))
    f1 = f1_score(t, p, labels=labels, average=None, zero_division=0)
    return {"classes": classes, "ignore": ignore, "maps": maps,
            "confusion": lst(confusion_matrix(t, p, labels=labels)), "f1_per_class": lst(f1),
            "f1_foreground_mean": float(f1[1:].mean()), "counted": int(len(t))}


def summary():
    v = rng.normal(0.7, 0.05, 3)
    return {"values": lst(v), "mean": float(v.mean()), "std": float(v.std(ddof=1))}


def main():
    out = {"classification": classification(), "regression": regression(), "landmarks": landmarks(),
           "verification": verification(), "parsing": parsing(), "summary": summary()}
    with open(os.path.join(HERE, "metrics_golden.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
