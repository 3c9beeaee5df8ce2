// The sync module serves Linux runtimes (CRIU); its tests use Unix modes and symlinks.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
[assembly: Parallelizable(ParallelScope.Fixtures)]
