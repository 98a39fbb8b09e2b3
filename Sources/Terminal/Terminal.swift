// Terminal module; see Package.swift for the layout.
