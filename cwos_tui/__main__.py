from cwos_tui.cli import main

raise SystemExit(main())
