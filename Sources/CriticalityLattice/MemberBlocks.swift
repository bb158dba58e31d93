/// Fixed contiguous blocks of ensemble members, the unit in which ensemble statistics are
/// reduced: a worker (thread or MPI rank) runs whole blocks and sums each block's observations
/// in member order, and the statistics combine the block sums in block order. The blocks depend
/// only on the member count, so results are bitwise the same for any thread or rank count, and
/// what is kept or sent is one record per block, not one per member.
///
/// Block b holds members ⌊bM/B⌋ ..< ⌊(b+1)M/B⌋ with B = min(M, `maximumCount`): one member per
/// block up to 32 members (the jackknife over blocks is then the ordinary one), and a delete-a-
/// block jackknife over 32 blocks beyond.
public struct MemberBlocks: Sendable, Equatable {
    public static let maximumCount = 32

    public let members: Int

    public init(members: Int) { self.members = members }

    public var count: Int { min(members, MemberBlocks.maximumCount) }

    public func members(ofBlock b: Int) -> Range<Int> { (b * members / count)..<((b + 1) * members / count) }

    /// The members of the blocks this process runs (all of them without MPI).
    public var localMembers: Range<Int> {
        let blocks = Ensemble.localMembers(count)
        guard !blocks.isEmpty else { return 0..<0 }
        return members(ofBlock: blocks.lowerBound).lowerBound..<members(ofBlock: blocks.upperBound - 1).upperBound
    }
}
