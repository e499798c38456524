"""Configuration: YAML file plus environment, validated into frozen dataclasses.

This package is the only code that reads the environment. Every error names where its value
came from: the variable that set it, or the field (and, from a file, the line); and a file is
checked whole, so one run lists all the lines a person has to fix.
One module per concern, each imported from where it lives:

- `file`: bounded reads of YAML and secret files, whose mappings and lists know their lines;
  `ConfigError`.
- `lines`: how a key is spelled in a field name, and the line of the file a field is on.
- `api_values`: the severities and statuses the APIs define.
- `model`: the frozen dataclasses and their defaults.
- `fields`: the typed reader `Section`, durations, and how errors are collected and shown.
- `secrets`: `Secret`, secrets from the environment or a file.
- `labels`: label names the exporter owns, and `causely.entity_labels`.
- `alertmanager`: the `alertmanager:` section (the bridge's model and its parser).
- `proxies`: the proxy variables, read once, and the proxies for a URL.
- `sections`: one parser per section (causely, causeflow, http, collection).
- `credentials`: which credentials an enabled source still needs.
- `loader`: `build_config` and `load_config`, which gather every section's errors.
"""
