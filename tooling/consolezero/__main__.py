from consolezero.cli.app import main

main()
