"""Already safe: parsed with safe_load."""
import yaml


def parse_settings(text):
    return yaml.safe_load(text)
