"""The pledge form: a stakeholder signs a pledge and adds commitments, step by step."""

from flask import Blueprint

bp = Blueprint("signing", __name__, url_prefix="/pledges/<slug>/sign")
