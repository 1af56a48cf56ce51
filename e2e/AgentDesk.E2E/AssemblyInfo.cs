// The tests start app processes, chromium and a write load on a two-core machine: run them one
// at a time so one test's load cannot starve another's timing.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
