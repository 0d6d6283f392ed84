"""STS (2011-06-15): GetCallerIdentity."""

ACTIONS = ("GetCallerIdentity",)


class StsModel:
	"""STS's actions; the caller holds state.lock."""

	def __init__(self, state):
		self.state = state

	def reset(self):
		pass

	def dump(self):
		return {}

	def GetCallerIdentity(self, params, caller):
		return [("Arn", caller["arn"]), ("UserId", caller["user_id"]),
		        ("Account", self.state.account)]
