// The Grafana dashboards, keyed by file name under grafana/dashboards/.
{
  grafanaDashboards+:: {
    'causely-root-causes.json': (import 'dashboards/causely-root-causes.libsonnet')($._config),
    'causely-exporter-health.json': (import 'dashboards/causely-exporter-health.libsonnet')($._config),
  },
}
