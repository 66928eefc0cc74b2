fn main() {
    std::process::exit(samsyn::cli::main());
}
