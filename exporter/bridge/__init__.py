"""The Alertmanager bridge: a second consumer of the collector's per-cycle view.

alerts.py turns a view into alerts (pure), state.py keeps Prometheus' notifier timing
(resend, resolve, endsAt), sender.py posts to every Alertmanager on its own thread, and
notifier.py ties them to the collector's hook. config.py parses the `alertmanager:` section.
"""
