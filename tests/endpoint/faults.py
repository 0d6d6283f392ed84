# SPDX-License-Identifier: MIT
"""Injected faults: throttling, 5xx, dropped connections and latency, by fraction (seeded),
count and action; and the choice, per call, of a fault and of a hostile reply mode."""
import random

from aws_common import AwsError

FAULT_OPTIONS = {"throttle", "throttle_code", "error500", "drop", "latency_ms", "seed",
                 "only_actions", "count", "apply"}


def configure(req):
	"""The faults setting for a /_control/faults request (None: faults off)."""
	if not req:
		return None
	bad = set(req) - FAULT_OPTIONS
	if bad:
		raise ValueError("unknown fault option(s): %s" % ", ".join(sorted(bad)))
	if req.get("apply", "before") not in ("before", "after"):
		raise ValueError("apply must be 'before' or 'after'")
	f = {"throttle": float(req.get("throttle", 0)), "error500": float(req.get("error500", 0)),
	     "drop": float(req.get("drop", 0)), "latency_ms": int(req.get("latency_ms", 0)),
	     "throttle_code": req.get("throttle_code") or None,
	     "only_actions": req.get("only_actions"), "remaining": req.get("count"),
	     "apply": req.get("apply", "before"), "seed": req.get("seed", 0)}
	f["rng"] = random.Random(f["seed"])
	return f


def shown(f):
	"""The faults setting as the control API shows it."""
	out = {k: v for k, v in f.items() if k != "rng"}
	if out["throttle_code"] is None:
		out["throttle_code"] = "Throttling"
	return out


def pick(state, action):
	"""Chooses this call's fault and hostile mode (each consumes its count): (fault, hostile),
	either None."""
	fault = hostile = None
	with state.lock:
		f = state.faults
		if f and (f["only_actions"] is None or action in f["only_actions"]) and \
		   f["remaining"] != 0:
			r = f["rng"].random()
			kind = None
			if r < f["throttle"]:
				kind = "throttle"
			elif r < f["throttle"] + f["error500"]:
				kind = "error500"
			elif r < f["throttle"] + f["error500"] + f["drop"]:
				kind = "drop"
			if kind or f["latency_ms"]:
				if f["remaining"] is not None and f["remaining"] > 0:
					f["remaining"] -= 1
				fault = {"kind": kind, "latency_ms": f["latency_ms"],
				         "throttle_code": f["throttle_code"], "apply": f["apply"]}
		for h in state.hostile:
			if h["remaining"] == 0:
				continue
			if h["actions"] is not None and action not in h["actions"]:
				continue
			if h["remaining"] is not None:
				h["remaining"] -= 1
			hostile = dict(h)
			break
		state.hostile = [h for h in state.hostile if h["remaining"] != 0]
	return fault, hostile


def fault_error(fault, service, protocol):
	"""The AwsError an injected throttle or error500 answers with, as the service does."""
	if fault["kind"] == "throttle":
		if protocol == "json":
			return AwsError(fault.get("throttle_code") or "ThrottlingException", "Rate exceeded",
			                400)
		return AwsError(fault.get("throttle_code") or "Throttling", "Rate exceeded", 400)
	if protocol == "json":
		return AwsError("InternalServiceError", "An error occurred on the server side.", 500,
		                "Receiver")
	return AwsError("InternalFailure" if service == "sts" else "ServiceFailure",
	                "Service failure (injected)", 500, "Receiver")
