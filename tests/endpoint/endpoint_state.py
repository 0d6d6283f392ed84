# SPDX-License-Identifier: MIT
"""Everything the endpoint remembers, behind one lock: the services' models, the call log,
the injected faults, hostile modes and deny rules, and the settings tests change."""
import threading
import time

import faults
from aws_common import rand_id, rand_secret
from imds import ImdsModel
from model_iam import IamModel
from model_secretsmanager import SecretsModel
from model_sts import StsModel

CONFIG_DEFAULTS = {"page_size": 0, "clock_skew_s": 0, "new_key_delay_ms": 0, "list_lag_ms": 0}


class State:
	"""Shared state; every access holds self.lock (an RLock)."""

	def __init__(self, account, partition, initial_alias, region):
		self.lock = threading.RLock()
		self.account = account
		self.partition = partition
		self.region = region
		self.initial_alias = initial_alias
		self.admin_key = (rand_id("AKIA"), rand_secret())
		self.iam = IamModel(self)
		self.sts = StsModel(self)
		self.sm = SecretsModel(self)
		self.imds = ImdsModel(self)
		self.reset()

	def reset(self):
		with self.lock:
			self.calls = []
			self.seq = 0
			self.faults = None
			self.hostile = []
			self.denies = []
			self.config = dict(CONFIG_DEFAULTS)
			self.clock_advance_s = 0.0
			for model in self.models():
				model.reset()

	def models(self):
		return (self.iam, self.sts, self.sm, self.imds)

	def now(self):
		"""The server's clock, as signatures are checked against it (clock_skew_s moves it)."""
		return time.time() + self.config.get("clock_skew_s", 0)

	def cred_now(self):
		"""The clock temporary credentials and secrets age by: the server's clock moved on by
		/_control/clock, so a test can pass a session's Expiration without breaking
		signatures."""
		return self.now() + self.clock_advance_s

	def arn(self, resource, service="iam"):
		return "arn:%s:%s::%s:%s" % (self.partition, service, self.account, resource)

	def dump(self):
		out = {"account": self.account, "partition": self.partition, "region": self.region,
		       "config": dict(self.config), "clock_advance_s": self.clock_advance_s,
		       "faults": faults.shown(self.faults) if self.faults else None, "hostile": self.hostile, "denies": self.denies}
		for model in self.models():
			out.update(model.dump())
		return out
