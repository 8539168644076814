"""Team mode on loopback: an S3-compatible store (SeaweedFS), PostgreSQL and an MLflow
server with basic authentication, started and stopped by `make team-up` / `team-down`.

Everything lives under one folder (default `.team/`, git-ignored): the servers' data,
their logs, the generated credentials (`secrets.json`, mode 0600), the PIDs of what was
started (`pids.json`) and the environment to use (`env.sh`). `make push` / `make pull`
(remote.py) share the data and models through the team's DVC remote.
"""
