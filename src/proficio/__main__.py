from proficio.cli import main

main()
