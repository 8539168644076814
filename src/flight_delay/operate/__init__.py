"""Operate: the served model (`make serve`), batch scoring (`make predict`), the prediction
log, feedback with real outcomes (`make feedback`), drift monitoring (`make monitor`),
retraining on drift (`make retrain`) and the replay of the whole loop (`make simulate`).
"""
