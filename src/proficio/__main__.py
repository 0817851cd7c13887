from proficio.cli import main

if __name__ == "__main__":  # the writer process imports this module again: run nothing then
    main()
