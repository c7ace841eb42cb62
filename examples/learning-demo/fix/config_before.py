"""Service configuration."""
import yaml


def load_config(path):
    with open(path) as stream:
        return yaml.load(stream, Loader=yaml.Loader)


def default_port(config):
    return int(config.get("port", 8080))
