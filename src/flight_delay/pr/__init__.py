"""Pull-request checks: the model report (`make report`), the quality gate (`make gate`)
and posting the report (`make post-report`). Each compares the workspace's recorded
outputs with the base's (revisions/recorded_outputs.py); nothing is rebuilt.
"""
