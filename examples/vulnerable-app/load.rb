def load(data)
  obj = YAML.load(data)
  YAML.safe_load(data)
end
