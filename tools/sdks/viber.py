"""Viber: viberbot's Api.verify_signature verifies; it only verifies, so signing follows its code
(hex HMAC-SHA256 of the body with the bot's authentication token)."""

import hashlib
import hmac

from viberbot import Api
from viberbot.api.bot_configuration import BotConfiguration

SECRET = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"
BODY = '{"event":"message","timestamp":1457764197627,"message_token":4912661846655238145,"sender":{"id":"01234567890A=","name":"John McClane","avatar":"http://avatar.example.com","country":"UK","language":"en","api_version":1},"message":{"type":"text","text":"a message to the service","tracking_data":"tracking data"}}'


def sign(secret, body, url, now):
    return {"X-Viber-Content-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def verify(secret, body, url, headers):
    api = Api(BotConfiguration(name="hookway", avatar="", auth_token=secret))
    return api.verify_signature(body, headers["x-viber-content-signature"])
