from hipflex.cli.app import main

main()
