from csm_tui.cli import main

main()
