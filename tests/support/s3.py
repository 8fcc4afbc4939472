"""A real S3 implementation for tests: moto's server mode in its own process, with signature checks on.

moto checks SigV4 signatures once its first ``SETUP_ACTIONS`` requests have passed: those create an IAM user
with an access key allowed everything, and the bucket; every request after them must be signed with that key.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3

from tests.support.live import free_port
from tools.storage.s3 import S3ObjectStore

SETUP_ACTIONS = 4
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = REGION

    def store(self, prefix: str = "") -> S3ObjectStore:
        """Our S3 store on this server (``await store.aclose()`` after use)."""
        return S3ObjectStore(
            self.endpoint,
            self.bucket,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            prefix=prefix,
        )


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("moto_server did not start")


@contextmanager
def s3_server(bucket: str = "noor-test") -> Iterator[S3Server]:
    port = free_port()
    environment = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_ACTIONS)}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        endpoint = f"http://127.0.0.1:{port}"
        setup = {"endpoint_url": endpoint, "region_name": REGION, "aws_access_key_id": "setup"}
        iam = boto3.client("iam", aws_secret_access_key="setup", **setup)
        iam.create_user(UserName="noor")
        key = iam.create_access_key(UserName="noor")["AccessKey"]
        everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_user_policy(UserName="noor", PolicyName="all", PolicyDocument=json.dumps(everything))
        boto3.client("s3", aws_secret_access_key="setup", **setup).create_bucket(Bucket=bucket)
        yield S3Server(endpoint, bucket, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        process.terminate()
        process.wait(timeout=15)
