"""Fakes of the GitHub, GitLab and Jira REST APIs, served over real HTTP on 127.0.0.1.

They are fakes: in-memory, single-process, made to be faithful in the shapes and behaviours
syncer and the client libraries depend on (payloads, pagination, ETags, rate limits, webhooks).
They power the test suite, the benchmarks and `syncer demo`.
"""
