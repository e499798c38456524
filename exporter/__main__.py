from __future__ import annotations

import sys

from exporter.app.cli import main

sys.exit(main())
